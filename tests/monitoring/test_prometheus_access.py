"""/metrics for a signed-in user is the node operators' alone (``monitoring.scrape_metrics``): a regulator
who may read the dashboards, and any other signed-in user, get 404 like an anonymous visitor."""

import pytest

from organizations.roles import Role


@pytest.mark.parametrize("role", [Role.PROVINCIAL_REVIEWER, Role.PROVIDER])
def test_only_operators_open_metrics_signed_in(client, make_user, sichuan_comms, settings, role):
    settings.METRICS_SCRAPE_TOKEN = ""
    user = make_user(role, authority=sichuan_comms) if role == Role.PROVINCIAL_REVIEWER else make_user(role)
    client.force_login(user)
    if role == Role.PROVINCIAL_REVIEWER:
        assert client.get("/monitoring/").status_code == 200  # the regulator reads the dashboards
    assert client.get("/metrics").status_code == 404
    client.force_login(make_user(Role.NODE_OPERATOR))
    assert client.get("/metrics").status_code == 200
