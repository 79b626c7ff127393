import pytest
from django.core.cache import cache


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Store uploads (Wagtail documents) in a temporary folder, so that the document view can serve them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def page_cache(settings):
    """The anonymous page cache on (test settings turn it off), starting empty, its reader of the change
    feed starting at this test's end of the feed (the previous test's changes were rolled back)."""
    from portal.cache_entries import unmarked_paths_forget
    from portal.cache_invalidation import feed_reader_reset

    settings.PORTAL_PAGE_CACHE_SECONDS = 300
    settings.PORTAL_CATALOG_CACHE_SECONDS = 60
    cache.clear()
    unmarked_paths_forget()
    feed_reader_reset()
    return settings
