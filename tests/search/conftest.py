import pytest

from tests.search.catalog_data import build_catalogue


@pytest.fixture
def catalogue(db, fresh_index):
    """The shared test catalogue (tests/search/catalog_data.py), searched by an index built for this test."""
    return build_catalogue()
