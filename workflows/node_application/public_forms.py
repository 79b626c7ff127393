"""Forms of the public 公示 page and of false-materials findings: field-level validation; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import FindingScope, ObjectionOutcome
from .uploads import check_evidence

_PHONE = RegexValidator(r"^[0-9+\-() ]{5,32}$", _("请填写有效的电话号码（数字，可含区号和连字符）。"))
_ATTACHMENT_HELP = _("可选。PDF、DOC、DOCX 或 XLSX，不超过 10 MB。")


class _EvidenceField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_evidence(upload)  # ValidationError: shown under the field
        return upload


class PublicObjectionForm(forms.Form):
    """Anyone may object to a node under publicity: who they are, how to reach them, the grounds and evidence."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    organization_name = forms.CharField(label=_("单位"), max_length=128, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False, validators=[_PHONE])
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    content = forms.CharField(
        label=_("异议事项及理由"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明针对的内容、事实和依据。"),
    )
    attachment = _EvidenceField(label=_("证明材料"), required=False, help_text=_ATTACHMENT_HELP)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("email") and not {"phone", "email"} & set(self.errors):
            self.add_error("phone", ValidationError(_("请至少填写联系电话或电子邮箱中的一项。"), code="contact"))
        return cleaned


class ObjectionResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("核查结论"), choices=ObjectionOutcome.choices, widget=forms.RadioSelect)
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class FindingForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("禁止申报范围"),
        choices=FindingScope.choices,
        widget=forms.RadioSelect,
        help_text=_("被认定单位及其统一社会信用代码在所选范围内的申报均不能通过资格审查。"),
    )
    facts = forms.CharField(
        label=_("认定事实"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("哪些材料、虚假在何处、如何核实。"),
    )
    evidence = _EvidenceField(label=_("证据材料"), help_text=_("PDF、DOC、DOCX 或 XLSX，不超过 10 MB。"))


class FindingWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 3}))
