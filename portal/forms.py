"""Forms of the public portal (listing filters, site search)."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Authority


class NoticeFilterForm(forms.Form):
    """Filter the 通知公告 listing by year of issue and issuing authority (GET)."""

    year = forms.TypedChoiceField(label=_("年份"), required=False, coerce=int, empty_value=None)
    authority = forms.ModelChoiceField(
        label=_("发文机关"), queryset=Authority.objects.none(), required=False, empty_label=_("全部")
    )

    def __init__(self, *args, index, **kwargs):
        from portal import selectors

        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部"))] + [
            (year, str(year)) for year in selectors.notice_years(index=index)
        ]
        self.fields["authority"].queryset = selectors.notice_authorities(index=index)

    def cleaned_filters(self) -> dict:
        """The valid filters only: a bad value is reported on its field and not applied."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: data[key] for key in ("year", "authority") if data.get(key) is not None}

    def querystring(self) -> str:
        filters = self.cleaned_filters()
        pairs = {}
        if "year" in filters:
            pairs["year"] = filters["year"]
        if "authority" in filters:
            pairs["authority"] = filters["authority"].pk
        return urlencode(pairs)


class SiteSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索关键词"), max_length=100, required=False, strip=True)
