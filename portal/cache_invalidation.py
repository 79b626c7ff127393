"""What invalidates the anonymous page cache (portal.caching): the one accepted use of signals here.

- catalogue: the catalogue's after-commit ``record_changed`` hook (prices, availability, states,
  listings), and saves of providers, sites and identifiers (directory status, suspended identifiers);
- pages: Wagtail publishing, unpublishing, moves and deletions, and saved campaigns (guides read them).
"""

from django.db.models.signals import post_delete, post_save

from portal.caching import generation_bump


def _catalog_changed(*args, **kwargs) -> None:
    generation_bump("catalog")


def _pages_changed(*args, **kwargs) -> None:
    generation_bump("pages")


def connect() -> None:
    from wagtail.models import Page
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from catalog.models import Identifier, Provider, Site
    from catalog.services import record_changed_subscribe
    from workflows.node_application.models import Campaign

    record_changed_subscribe(_catalog_changed, dispatch_uid="portal-page-cache")
    for model in (Provider, Site, Identifier):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"portal-page-cache-{model.__name__}")
    for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
        signal.connect(_pages_changed, dispatch_uid=f"portal-page-cache-{id(signal)}")
    post_delete.connect(_pages_changed, sender=Page, dispatch_uid="portal-page-cache-page-delete")
    post_save.connect(_pages_changed, sender=Campaign, dispatch_uid="portal-page-cache-campaign")
