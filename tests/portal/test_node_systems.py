"""NODE_ROLE=industry runs systems A, B, C and F only: the identifier library (D) and the monitoring
dashboards (E) are absent (404 and not among the start page's entry points); a regional node has them."""

import pytest

pytestmark = pytest.mark.django_db
ABSENT_ON_INDUSTRY = ["/catalog/identifiers/", "/monitoring/", "/monitoring/headline/", "/monitoring/national/"]


@pytest.fixture
def operator(client, make_user):
    user = make_user("node_operator")
    client.force_login(user)
    return client


def test_an_industry_node_has_no_identifier_library_and_no_monitoring_dashboards(settings, operator):
    settings.NODE_ROLE = "regional"
    assert operator.get("/catalog/identifiers/").status_code == 200
    start = operator.get("/me/").content.decode()
    assert "/catalog/identifiers/" in start
    settings.NODE_ROLE = "industry"
    for path in ABSENT_ON_INDUSTRY:
        assert operator.get(path).status_code == 404, path
    start = operator.get("/me/").content.decode()
    assert "/catalog/identifiers/" not in start and 'href="/monitoring/"' not in start
    assert "/security/" in start  # system F stays
    assert operator.get("/catalog/").status_code == 200  # system B stays
