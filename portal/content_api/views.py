"""The content API's endpoints: Wagtail's API v2 viewsets, opened to anonymous readers and kept to what the
site shows a visitor.

- pages: live pages without view restrictions (no drafts, no private pages, no moderation state: Wagtail's
  serializer shows none of it), filterable by type, 发文机关 (``authority``), year and locale;
- documents and images: only those outside restricted collections (private documents stay private, and so do
  the attachments a notice lists);
- page responses are cached for anonymous readers like the pages themselves (portal.caching, invalidated
  when Wagtail publishes); documents and images are not (a collection may become private without a publish).
"""

from django.conf import settings
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import AllowAny
from wagtail.api.v2.filters import LocaleFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from infra.cacheable import mark_cacheable
from portal import selectors

from .schema import DOCUMENT_SCHEMA, IMAGE_SCHEMA, PAGE_SCHEMA, FileItemSerializer, PageItemSerializer


def _is_id(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) <= 18


class OfficialDocumentFilter(BaseFilterBackend):
    """``?year=2026`` (成文日期) and ``?authority=<id>`` (发文机关) on notices and policies."""

    def filter_queryset(self, request, queryset, view):
        values = {}
        for name in ("year", "authority"):
            raw = request.GET.get(name)
            if raw is None:
                continue
            if not _is_id(raw):
                raise BadRequestError(f"{name}: 请填写整数 (an integer is expected)")
            values[name] = int(raw)
        if not values:
            return queryset
        ids = selectors.official_document_ids(year=values.get("year"), authority_id=values.get("authority"))
        return queryset.filter(pk__in=ids)


class ContentLocaleFilter(BaseFilterBackend):
    """``?locale=zh-hans|en``: pages of that content language; a configured language without pages yet gives an
    empty list (Wagtail's own filter answers 404 until the locale exists), another code a 400."""

    def filter_queryset(self, request, queryset, view):
        code = request.GET.get("locale")
        if code is None:
            return queryset
        if code not in dict(settings.WAGTAIL_CONTENT_LANGUAGES):
            raise BadRequestError("locale: 只支持 zh-hans 或 en (zh-hans or en)")
        return queryset.filter(locale__language_code=code)


class PublicReadMixin:
    """Anonymous, read-only, rate-limited like the rest of /api/v1/ (DRF's default throttles)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    schema_serializer = None  # what drf-spectacular is shown: Wagtail builds serializers per request

    def handle_exception(self, exc):
        """Wagtail's ``message`` (English) stays; ``detail`` says it in Chinese, like the rest of /api/v1/."""
        response = super().handle_exception(exc)
        if isinstance(getattr(response, "data", None), dict) and "message" in response.data:
            if response.status_code == 404:
                response.data["detail"] = "没有这个公开的内容。"
            elif response.status_code == 400:
                response.data["detail"] = f"参数有误：{response.data['message']}"
        return response

    def find_object(self, queryset, request):
        raw = request.GET.get("id")
        if raw is not None and not _is_id(raw):
            raise BadRequestError("id: 请填写整数 (an integer is expected)")
        return super().find_object(queryset, request)

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return self.schema_serializer
        return super().get_serializer_class()


@PAGE_SCHEMA
class ContentPagesAPIViewSet(PublicReadMixin, PagesAPIViewSet):
    schema_serializer = PageItemSerializer
    filter_backends = [
        OfficialDocumentFilter,
        *(ContentLocaleFilter if backend is LocaleFilter else backend for backend in PagesAPIViewSet.filter_backends),
    ]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["year", "authority"])

    def get_base_queryset(self):
        return super().get_base_queryset().public()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            mark_cacheable(response, depends_on=("pages",))
        return response


@DOCUMENT_SCHEMA
class ContentDocumentsAPIViewSet(PublicReadMixin, DocumentsAPIViewSet):
    schema_serializer = FileItemSerializer

    def get_queryset(self):
        return selectors.documents_public().order_by("id")


@IMAGE_SCHEMA
class ContentImagesAPIViewSet(PublicReadMixin, ImagesAPIViewSet):
    schema_serializer = FileItemSerializer

    def get_queryset(self):
        return selectors.images_public().order_by("id")


router = WagtailAPIRouter("content")
router.register_endpoint("pages", ContentPagesAPIViewSet)
router.register_endpoint("documents", ContentDocumentsAPIViewSet)
router.register_endpoint("images", ContentImagesAPIViewSet)
