"""FilterSets of the catalogue read API (/api/v1/catalog/): they declare and validate the query parameters
(documented in the OpenAPI schema by drf-spectacular), and hand the cleaned values to the public selectors
(catalog.selectors_public), which alone decide what is public and how it is queried.

``changed_since`` keeps a consumer's copy fresh by ``updated_at``. It sees changes to records that are still
public; a record that leaves the catalogue (delisted, suspended) simply stops appearing.
FEED: when the sequenced change feed (``changes/``) lands, a ``cursor`` parameter plugs in here, next to
``changed_since``: the consumer keeps the feed position and also learns of removals.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from . import selectors_public
from .models import AppService, ComputeResource, NetworkLine, RecordState, ResourceClass, Site


class PublicCatalogueFilterSet(django_filters.FilterSet):
    """Validates the filters, then asks the selector; ``selector_arguments`` maps filter → selector argument."""

    selector_arguments: dict[str, str] = {}

    def selector(self, **kwargs):
        raise NotImplementedError

    def _unused(self, queryset, name, value):
        return queryset  # filtering happens in filter_queryset, through the selector

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        kwargs = {}
        for name, argument in self.selector_arguments.items():
            value = data.get(name)
            if value not in (None, ""):
                kwargs[argument] = value.pk if hasattr(value, "pk") else value
        queryset = self.selector(**kwargs)
        changed_since = data.get("changed_since")
        if changed_since is not None:
            queryset = queryset.filter(updated_at__gte=changed_since).order_by("updated_at", "pk")
        return queryset


def _province():
    return django_filters.CharFilter(
        label=_("所在省份的 6 位行政区划代码，如 510000"), method="_unused", max_length=6, min_length=6
    )


def _provider():
    return django_filters.NumberFilter(label=_("服务商 id"), method="_unused", min_value=1)


def _state():
    return django_filters.ChoiceFilter(label=_("运行状态"), choices=RecordState.choices, method="_unused")


def _site():
    return django_filters.NumberFilter(label=_("数据中心站点 id"), method="_unused", min_value=1)


def _changed_since():
    return django_filters.IsoDateTimeFilter(
        label=_("只返回此时刻以来（含）更新过的记录，ISO 8601，如 2026-03-01T00:00:00+08:00；按更新时间升序"),
        method="_unused",
    )


class ResourceFilterSet(PublicCatalogueFilterSet):
    resource_class = django_filters.ChoiceFilter(label=_("算力类型"), choices=ResourceClass.choices, method="_unused")
    province = _province()
    provider = _provider()
    state = _state()
    site = _site()
    changed_since = _changed_since()
    selector_arguments = {
        "resource_class": "resource_class",
        "province": "province_code",
        "provider": "provider_id",
        "state": "state",
        "site": "site_id",
    }

    class Meta:
        model = ComputeResource
        fields = []

    def selector(self, **kwargs):
        return selectors_public.public_resources(**kwargs)


class LineFilterSet(PublicCatalogueFilterSet):
    province = _province()
    provider = _provider()
    state = _state()
    site = _site()
    changed_since = _changed_since()
    selector_arguments = {"province": "province_code", "provider": "provider_id", "state": "state", "site": "site_id"}

    class Meta:
        model = NetworkLine
        fields = []

    def selector(self, **kwargs):
        return selectors_public.public_lines(**kwargs)


class AppServiceFilterSet(PublicCatalogueFilterSet):
    provider = _provider()
    state = _state()
    changed_since = _changed_since()
    selector_arguments = {"provider": "provider_id", "state": "state"}

    class Meta:
        model = AppService
        fields = []

    def selector(self, **kwargs):
        return selectors_public.public_app_services(**kwargs)


class SiteFilterSet(PublicCatalogueFilterSet):
    province = _province()
    provider = _provider()
    selector_arguments = {"province": "province_code", "provider": "provider_id"}

    class Meta:
        model = Site
        fields = []

    def selector(self, **kwargs):
        return selectors_public.public_sites(**kwargs)
