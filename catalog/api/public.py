"""GET /api/v1/catalog/… — the public catalogue as a read API for other front ends and nodes.

The same records, in the same order, as the public pages (catalog.selectors_public decides what is public:
approved records, directory providers and their sites, identifiers only while issued, filed or active);
anonymous, paginated (limit/offset), filterable (catalog.filters), with ETags and 304s (conditional.py), and
rate-limited by the same throttles as compute selection (/api/v1/search/resources/: DRF's defaults,
API_THROTTLE_ANON).
"""

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound
from rest_framework.pagination import LimitOffsetPagination

from organizations.identifiers import MalformedIdentifier

from .. import filters, selectors_public
from . import public_serializers as out
from .conditional import ConditionalGetMixin
from .public_schema import detail_schema, list_schema


class CataloguePagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class PublicRead(ConditionalGetMixin):
    filter_backends = [DjangoFilterBackend]
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    pagination_class = CataloguePagination


# --- providers and sites ---------------------------------------------------------------------


@list_schema("providers", out.ProviderOut)
class ProviderList(PublicRead, generics.ListAPIView):
    """服务商名录：已认证（及已暂停）的服务商和其公开记录数 (the provider directory)."""

    serializer_class = out.ProviderOut

    def get_queryset(self):
        return selectors_public.directory_providers()


@detail_schema("providers", out.ProviderOut, key="id")
class ProviderDetail(PublicRead, generics.RetrieveAPIView):
    serializer_class = out.ProviderOut

    def get_object(self):
        provider = selectors_public.directory_provider_get(pk=self.kwargs["pk"])
        if provider is None:
            raise NotFound(_("没有这个公开的服务商。"))
        return provider


@list_schema("sites", out.SiteOut, filterset=filters.SiteFilterSet)
class SiteList(PublicRead, generics.ListAPIView):
    """数据中心站点 (sites of directory providers)."""

    serializer_class = out.SiteOut
    filterset_class = filters.SiteFilterSet

    def get_queryset(self):
        return selectors_public.public_sites()


@detail_schema("sites", out.SiteOut, key="id")
class SiteDetail(PublicRead, generics.RetrieveAPIView):
    serializer_class = out.SiteOut

    def get_object(self):
        site = selectors_public.public_site_get(pk=self.kwargs["pk"])
        if site is None:
            raise NotFound(_("没有这个公开的数据中心站点。"))
        return site


# --- records: resources, lines, app services ---------------------------------------------------


class RecordDetail(PublicRead, generics.RetrieveAPIView):
    """One public record by its identifier (the record page /catalog/r/<identifier>/ as data)."""

    kind = ""  # the Identifier's relation: resource, line or app_service

    def get_object(self):
        try:
            identifier = selectors_public.public_identifier_get(code=self.kwargs["identifier"])
        except MalformedIdentifier as error:
            raise NotFound(str(error.reason)) from error
        record = getattr(identifier, self.kind, None) if identifier else None
        if record is None:
            raise NotFound(_("没有这个公开的算力标识。"))
        self._record = record
        return record

    def last_modified(self):
        record = getattr(self, "_record", None)
        return record.updated_at if record else None


@list_schema("resources", out.ResourceOut, filterset=filters.ResourceFilterSet)
class ResourceList(PublicRead, generics.ListAPIView):
    """已上架的算力资源 (approved compute resources)."""

    serializer_class = out.ResourceOut
    filterset_class = filters.ResourceFilterSet

    def get_queryset(self):
        return selectors_public.public_resources()


@detail_schema("resources", out.ResourceOut)
class ResourceDetail(RecordDetail):
    serializer_class = out.ResourceOut
    kind = "resource"


@list_schema("lines", out.LineOut, filterset=filters.LineFilterSet)
class LineList(PublicRead, generics.ListAPIView):
    """已上架的网络线路 (approved network lines)."""

    serializer_class = out.LineOut
    filterset_class = filters.LineFilterSet

    def get_queryset(self):
        return selectors_public.public_lines()


@detail_schema("lines", out.LineOut)
class LineDetail(RecordDetail):
    serializer_class = out.LineOut
    kind = "line"


@list_schema("app_services", out.AppServiceOut, filterset=filters.AppServiceFilterSet)
class AppServiceList(PublicRead, generics.ListAPIView):
    """已上架的应用服务 (approved application services)."""

    serializer_class = out.AppServiceOut
    filterset_class = filters.AppServiceFilterSet

    def get_queryset(self):
        return selectors_public.public_app_services().prefetch_related("resources__identifier")


@detail_schema("app_services", out.AppServiceOut)
class AppServiceDetail(RecordDetail):
    serializer_class = out.AppServiceOut
    kind = "app_service"
