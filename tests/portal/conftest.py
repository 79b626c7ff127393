import pytest


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Store uploads (Wagtail documents) in a temporary folder, so that the document view can serve them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
