"""The index warm-up of an ASGI server process (search/warmup.py): started by the first request the
ASGI handler serves, never by the test client's handlers nor under the test environment."""

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test.client import AsyncClientHandler, ClientHandler

from search import warmup
from search.backends import get_backend, reset_backends
from tests.search.catalog_data import build_catalogue


@pytest.fixture(autouse=True)
def _fresh():
    warmup.reset()
    reset_backends()
    yield
    warmup.reset()
    reset_backends()
    warmup.connect()


@pytest.mark.django_db(transaction=True)
def test_the_warm_up_thread_builds_the_index_the_next_search_uses():
    build_catalogue()

    thread = warmup.warm_up_in_background(force=True)
    thread.join(timeout=60)

    backend = get_backend()
    assert not thread.is_alive() and backend._index is not None
    assert backend._index.column("published").sum() == 7
    assert backend._index._orders  # the sort orders too
    assert warmup.warm_up_in_background(force=True) is None  # once per process


def test_only_the_asgi_handler_starts_it_and_not_under_the_test_environment(monkeypatch):
    started = []
    monkeypatch.setattr(warmup, "warm_up_in_background", lambda: started.append(True))

    for sender in (ClientHandler, AsyncClientHandler, object):
        warmup.on_request_started(sender)
    assert started == []
    warmup.on_request_started(ASGIHandler)
    assert started == [True]

    monkeypatch.undo()
    assert warmup.warm_up_in_background() is None  # pytest-django set the test environment up
