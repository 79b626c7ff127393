"""The filters of the public list of resale offers (/resale/): by the underlying resource's identifier,
by its provider, and sorted by price. They narrow ``resale.resale_offers_public`` and nothing else, so
an offer that is not live never shows whatever is asked."""

import django_filters
from django.utils.translation import gettext_lazy as _

from catalog.models import Provider
from infra.language_marks import ChineseOnlyOptionsSelect

from .resale_models import ResaleOffer

SORTS = (
    ("price", _("价格从低到高")),
    ("-price", _("价格从高到低")),
)


class ResaleOfferFilterSet(django_filters.FilterSet):
    resource = django_filters.CharFilter(
        label=_("算力标识"),
        field_name="resources__identifier__code",
        max_length=80,
        strip=True,
        help_text=_("如：CN.510000/A000000011"),
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("资源提供商"),
        field_name="resources__provider",
        queryset=Provider.objects.none(),
        empty_label=_("全部"),
        widget=ChineseOnlyOptionsSelect,
    )
    sort = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("price_yuan", "price"),),
        choices=SORTS,
        empty_label=_("最新发布"),
    )

    class Meta:
        model = ResaleOffer
        fields = ["resource", "provider", "sort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the providers whose resources the offers in the list are built on
        offered = self.queryset.values("resources__provider")
        self.filters["provider"].queryset = (
            Provider.objects.filter(pk__in=offered).select_related("organization").order_by("organization__name")
        )
        self.form.fields["resource"].widget.attrs.update({"type": "search", "placeholder": "CN.510000/A000000011"})

    @property
    def qs(self):
        # filtering on the offers' resources joins them: one row per offer again
        return super().qs.distinct()
