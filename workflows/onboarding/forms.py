"""Forms of the onboarding processes (validation only; the writes are in services.py)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import NetworkLine, OnboardingState, Site
from infra.pdfs import upload_pdf_check
from organizations.models import Division

from .models import Decision, ProviderApplication, ResellerApplication

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def _cities():
    return Division.objects.filter(level="city").order_by("code")


class DocumentField(forms.FileField):
    """One PDF (checked by its content, not its name), at most 20 MB."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "read"):
            if upload.size > MAX_DOCUMENT_BYTES:
                raise ValidationError(_("文件不能超过 20 MB。"))
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise ValidationError(_("请上传 PDF 文件。"))
            upload_pdf_check(upload)  # no scripts, automatic actions, attachments or HTML
        return upload


class ProviderApplicationForm(forms.ModelForm):
    document = DocumentField(
        label=_("申请材料（PDF）"), required=False, help_text=_("营业执照、承诺书等，合并为一个 PDF。")
    )

    class Meta:
        model = ProviderApplication
        fields = [
            "is_resource_provider",
            "is_line_provider",
            "is_app_service_provider",
            "licences",
            "contact_name",
            "contact_phone",
            "document",
        ]
        widgets = {"licences": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("is_resource_provider", "is_line_provider", "is_app_service_provider")):
            self.add_error("is_resource_provider", _("请至少选择一种服务商类型。"))
        return data


class ProviderReviseForm(forms.Form):
    licences = forms.CharField(label=_("资质与许可证"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32)
    document = DocumentField(label=_("补充材料（PDF）"), required=False)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("数据中心名称"), max_length=128, required=False)
    city = forms.ModelChoiceField(label=_("所在城市"), queryset=Division.objects.none(), required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = _cities()

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("city"):
            self.add_error("city", _("请选择数据中心所在城市。"))
        if data.get("city") and not data.get("name"):
            self.add_error("name", _("请填写数据中心名称。"))
        return data


SiteFormSet = forms.formset_factory(SiteForm, extra=2, max_num=10)


def sites_from(formset) -> list[dict]:
    return [
        {"name": form.cleaned_data["name"], "city": form.cleaned_data["city"], "address": form.cleaned_data["address"]}
        for form in formset.forms
        if form.cleaned_data.get("name")
    ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=Decision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(
        label=_("审核意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("退回或不予通过时必填，申请单位可见。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (Decision.RETURN, Decision.REJECT) and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("退回或不予通过时请填写审核意见。"))
        return data


class ResellerApplicationForm(forms.ModelForm):
    class Meta:
        model = ResellerApplication
        fields = ["business_scope", "requested_years"]
        widgets = {"business_scope": forms.Textarea(attrs={"rows": 4})}


class ResellerDecisionForm(DecisionForm):
    valid_from = forms.DateField(
        label=_("资格有效期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("资格有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, requested_years: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        try:
            self.fields["valid_until"].initial = today.replace(year=today.year + requested_years) - datetime.timedelta(
                days=1
            )
        except ValueError:  # 29 February
            self.fields["valid_until"].initial = today + datetime.timedelta(days=365 * requested_years)

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.APPROVE:
            if not data.get("valid_from"):
                self.add_error("valid_from", _("请填写资格有效期起始日。"))
            if not data.get("valid_until"):
                self.add_error("valid_until", _("请填写资格有效期截止日。"))
            if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
                self.add_error("valid_until", _("有效期截止日不能早于起始日。"))
        return data


class LineForm(forms.ModelForm):
    """A line as the line provider describes it (flow 11)."""

    class Meta:
        model = NetworkLine
        fields = [
            "external_id",
            "name",
            "kind",
            "from_city",
            "to_site",
            "bandwidth_mbps",
            "latency_ms",
            "jitter_ms",
            "price_yuan_per_month",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_city"].queryset = _cities()
        self.fields["to_site"].queryset = (
            Site.objects.filter(provider__onboarding_state=OnboardingState.CERTIFIED)
            .select_related("provider__organization")
            .order_by("city_id", "name")
        )

    def validate_unique(self):
        """Uniqueness per provider is checked by the service (the form has no provider)."""

    def line_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "external_id"}


class LineReviseForm(LineForm):
    class Meta(LineForm.Meta):
        fields = [name for name in LineForm.Meta.fields if name != "external_id"]


class QualificationRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("请填写撤销意见。")},
        help_text=_("写明撤销的事实与依据；转售调度服务商将收到此意见。"),
    )
