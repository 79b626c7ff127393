import pytest

# The cache (API throttling history) is cleared before every test by tests/conftest.py.


@pytest.fixture
def operator(make_user):
    return make_user("node_operator", email="ops@node.invalid")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client
