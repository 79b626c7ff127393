"""Forms of the demand pages: validation of shape only; the rules live in validation.demand_validate."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from catalog.models import AcceleratorModel, BillingUnit
from organizations.fields import USCCFormField
from organizations.models import Division, Organization
from organizations.predicates import is_reseller

from .models import Demand


class DemandForm(forms.ModelForm):
    accelerator_model = forms.ChoiceField(label=_("加速卡型号"), required=False)
    # resellers only (the field is removed for everyone else): a demand placed on behalf of a customer
    customer_uscc = USCCFormField(
        label=_("代客户提交：客户单位的统一社会信用代码"),
        required=False,
        help_text=_("算力转售调度服务商代客户提交时填写；须持有有效的转售调度资格。"),
    )

    class Meta:
        model = Demand
        fields = [
            "resource_class",
            "accelerator_model",
            "min_fp16_tflops_total",
            "card_count",
            "duration_hours",
            "city",
            "max_latency_ms",
            "budget_yuan",
            "prefer_my_province",
            "min_reliability_percent",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not is_reseller(user):
            del self.fields["customer_uscc"]
        self.user = user
        models = AcceleratorModel.objects.order_by("vendor", "name").values_list("name", flat=True)
        self.fields["accelerator_model"].choices = [("", _("不限型号（按 FP16 算力）")), *((m, m) for m in models)]
        self.fields["accelerator_model"].help_text = _("不限型号时请填写 FP16 算力总需求。")
        self.fields["city"].queryset = Division.objects.filter(level="city").order_by("code")
        self.fields["city"].label_from_instance = lambda d: (
            f"{d.display_name}{pgettext('punctuation', '（')}{d.code}{pgettext('punctuation', '）')}"
        )

    def clean_customer_uscc(self):
        uscc = self.cleaned_data.get("customer_uscc")
        self.cleaned_data["customer"] = None
        if not uscc:
            return uscc
        customer = Organization.objects.filter(uscc=uscc).first()
        if customer is None:
            raise forms.ValidationError(_("没有以该统一社会信用代码注册认证的客户单位。"))
        if customer.pk == getattr(self.user, "organization_id", None):
            raise forms.ValidationError(_("为本单位提交需求时不填写客户单位。"))
        self.cleaned_data["customer"] = customer
        return uscc


class AcceptForm(forms.Form):
    match = forms.IntegerField(min_value=1)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("谢绝原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ResaleOfferForm(forms.Form):
    """A resale offer: shape only; the rules (qualification, resources, window) live in resale.py."""

    title = forms.CharField(label=_("报价名称"), max_length=128)
    identifiers = forms.CharField(
        label=_("所基于资源的算力标识"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个，或以逗号分隔；须为已认证资源提供商已上架的资源。"),
    )
    price_yuan = forms.DecimalField(
        label=_("转售单价（元）"), min_value=Decimal("0.0001"), max_digits=12, decimal_places=4
    )
    billing_unit = forms.ChoiceField(label=_("计费单位"), choices=BillingUnit.choices)
    terms = forms.CharField(
        label=_("服务条款"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("交付方式、最短租期、结算与售后等。"),
    )
    # the browser's date input takes ISO dates only, whatever the page language's date format
    valid_from = forms.DateField(label=_("有效期自"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("有效期至"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def clean_identifiers(self):
        raw = self.cleaned_data["identifiers"]
        codes = [code.strip() for code in re.split(r"[\s,，、;；]+", raw) if code.strip()]
        return list(dict.fromkeys(codes))
