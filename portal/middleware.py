"""The CMS speaks the site's language (Chinese) unless the editor chose another in their Wagtail profile."""

from django.conf import settings
from django.utils import translation

ADMIN_PREFIX = "/cms/"


class AdminLanguageMiddleware:
    """After LocaleMiddleware: /cms/ is not language-prefixed, so a browser's Accept-Language or the
    public site's language cookie would turn Wagtail's admin English; editors of a Chinese node work
    in Chinese (Wagtail's profile setting, applied inside its views, still wins)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
