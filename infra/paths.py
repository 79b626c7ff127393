"""Paths in the visitor's language: the site is Chinese at ``/`` and English under ``/en/``."""

from django.conf import settings
from django.utils import translation


def localize_path(path: str, language: str | None = None) -> str:
    """The path in the given (default: active) language: pages in Chinese get /en/ for English visitors."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if not path or not path.startswith("/") or path.startswith("//"):
        return path
    codes = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    for code in codes:  # strip an existing prefix
        if path == f"/{code}" or path.startswith(f"/{code}/"):
            path = path[len(code) + 1 :] or "/"
            break
    if language == settings.LANGUAGE_CODE or language not in codes:
        return path
    return f"/{language}{path}"
