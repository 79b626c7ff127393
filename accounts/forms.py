"""Forms of the front door (validation only; the writes are in services.py)."""

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from organizations.fields import USCCFormField
from organizations.models import Division, Organization, TelecomLicence, User
from organizations.roles import Role
from organizations.telecom import TELECOM_CATEGORIES
from organizations.uscc import normalize_uscc
from workflows.onboarding.forms import DocumentField

from .models import OPEN_STATUSES, REQUESTABLE_ROLE_CHOICES, OrganizationRegistration

# Roles that need a telecom business licence: operators of lines and data centres.
LICENSED_ROLES = {Role.LINE_PROVIDER.value}


class SignupForm(BaseUserCreationForm):
    """A person: account name, real name, email (verified before the account works), phone."""

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "phone"]
        labels = {"username": _("用户名"), "email": _("电子邮箱")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("full_name", "email"):
            self.fields[name].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("该电子邮箱已注册，请直接登录或找回密码。"))
        return email


class RolesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", REQUESTABLE_ROLE_CHOICES)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)


class OrganizationRegistrationForm(forms.ModelForm):
    licence_scan = DocumentField(label=_("营业执照扫描件（PDF）"), help_text=_("加盖公章的营业执照副本扫描件。"))
    requested_roles = RolesField(label=_("申请的角色"), error_messages={"required": _("请至少选择一个角色。")})
    telecom_categories = forms.MultipleChoiceField(
        label=_("许可业务种类"),
        required=False,
        choices=[(code, format_lazy("{} {}", code, label)) for code, label in TELECOM_CATEGORIES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OrganizationRegistration
        fields = [
            "name",
            "uscc",
            "kind",
            "registered_capital",
            "legal_representative",
            "address",
            "province",
            "city",
            "licence_scan",
            "requested_roles",
            "telecom_licence_number",
            "telecom_categories",
            "telecom_valid_until",
        ]
        widgets = {"telecom_valid_until": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "telecom_licence_number": _("网络线路提供商（电信运营商）必填；其他单位持有的也请填写。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Division.objects.filter(level="province").order_by("code")
        self.fields["city"].queryset = Division.objects.filter(level="city").order_by("code")
        if self.instance.pk:  # a resubmission keeps the scan already uploaded unless replaced
            self.fields["licence_scan"].required = False

    def clean_uscc(self):
        uscc = normalize_uscc(self.cleaned_data["uscc"])
        if Organization.objects.filter(uscc=uscc).exists():
            raise forms.ValidationError(_("该统一社会信用代码的单位已完成注册认证，请改为申请加入该单位。"))
        open_ones = OrganizationRegistration.objects.filter(uscc=uscc, status__in=OPEN_STATUSES)
        if open_ones.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("该统一社会信用代码已有待认证的注册申请。"))
        return uscc

    def clean(self):
        data = super().clean()
        province, city = data.get("province"), data.get("city")
        if province and city and city.code[:2] != province.code[:2]:
            self.add_error("city", _("所在城市不属于所选省份。"))
        number = (data.get("telecom_licence_number") or "").strip()
        roles = set(data.get("requested_roles") or [])
        if roles & LICENSED_ROLES and not number:
            self.add_error("telecom_licence_number", _("申请网络线路提供商须填写电信业务经营许可证。"))
        if number:
            if not data.get("telecom_categories"):
                self.add_error("telecom_categories", _("请选择许可证的业务种类。"))
            valid_until = data.get("telecom_valid_until")
            if not valid_until:
                self.add_error("telecom_valid_until", _("请填写许可证有效期。"))
            elif valid_until < timezone.localdate():
                self.add_error("telecom_valid_until", _("许可证已过有效期。"))
            if TelecomLicence.objects.filter(number=number).exists():
                self.add_error("telecom_licence_number", _("该许可证编号已登记在其他单位名下。"))
        return data


class JoinRequestForm(forms.Form):
    uscc = USCCFormField(label=_("单位的统一社会信用代码"))
    requested_roles = RolesField(label=_("申请的角色"), error_messages={"required": _("请至少选择一个角色。")})
    note = forms.CharField(label=_("说明"), max_length=255, required=False, help_text=_("如所在部门、职务。"))

    def clean_uscc(self):
        uscc = self.cleaned_data["uscc"]
        organization = Organization.objects.filter(uscc=uscc).first()
        if organization is None:
            raise forms.ValidationError(_("没有以该统一社会信用代码完成注册认证的单位；请核对，或为单位办理注册认证。"))
        self.organization = organization
        return uscc


class CertifyDecision(forms.Form):
    APPROVE, MORE_INFO, REJECT = "approve", "more_info", "reject"

    decision = forms.ChoiceField(
        label=_("认证结论"),
        choices=[(APPROVE, _("通过认证")), (MORE_INFO, _("要求补充材料")), (REJECT, _("不予认证"))],
        widget=forms.RadioSelect,
    )
    checked = forms.BooleanField(
        label=_("已核对营业执照扫描件与法定代表人信息"),
        required=False,
        help_text=_("未接入国家核验服务时，通过认证前必须人工核对。"),
    )
    opinion = forms.CharField(label=_("认证意见"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == self.APPROVE and not data.get("checked"):
            self.add_error("checked", _("请先人工核对营业执照与法定代表人信息。"))
        if decision in (self.MORE_INFO, self.REJECT) and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("要求补充材料或不予认证时请写明意见。"))
        return data


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("单位内角色"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(value, label) for value, label in REQUESTABLE_ROLE_CHOICES if value in allowed]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"))
    roles = forms.MultipleChoiceField(label=_("单位内角色"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(value, label) for value, label in REQUESTABLE_ROLE_CHOICES if value in allowed]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email, organization__isnull=False).exists():
            raise forms.ValidationError(_("该电子邮箱的账号已属于一个单位。"))
        return email


class VerificationResendForm(forms.Form):
    email = forms.EmailField(label=_("注册时填写的电子邮箱"), max_length=254)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
