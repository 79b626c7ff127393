from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from .audit_trail import content_type_label
from .models import SecurityEvent


class DateRangeMixin:
    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class SecurityEventFilterForm(DateRangeMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + SecurityEvent.Kind.choices)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("用户名 / IP / 路径"), required=False, max_length=150)


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    ip_address = forms.GenericIPAddressField(label=_("IP 地址"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("ip_address"):
            raise forms.ValidationError(_("请填写用户名或 IP 地址。"))
        return data


class AuditLogFilterForm(DateRangeMixin, forms.Form):
    model = forms.ModelChoiceField(label=_("对象类型"), required=False, queryset=ContentType.objects.none())
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.TypedChoiceField(
        label=_("操作"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部"))] + [(value, label) for value, label in LogEntry.Action.choices],
    )
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部"))])
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, content_types=None, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        if content_types is not None:
            self.fields["model"].queryset = content_types
        self.fields["model"].label_from_instance = content_type_label
        self.fields["source"].choices = [("", _("全部")), *sources]


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入验证器显示的 6 位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6}),
    )
