from django import forms
from django.utils.translation import gettext_lazy as _


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写取消原因。")},
    )


class AccessForm(forms.Form):
    """The provider's access hand-off; the credential is never rendered back into the form."""

    endpoint = forms.CharField(
        label=_("接入地址"),
        max_length=500,
        help_text=_("如 SSH 地址、控制台或 API 地址"),
        error_messages={"required": _("请填写接入地址。")},
    )
    account = forms.CharField(label=_("账号"), max_length=200, required=False)
    credential = forms.CharField(
        label=_("访问凭据"),
        max_length=4000,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("加密保存，仅需求方授权人员可见；提交后服务商也不再可见。"),
    )
    credential_ref = forms.CharField(
        label=_("凭据引用"), max_length=500, required=False, help_text=_("不直接填写凭据时，填写凭据的保管位置或名称")
    )
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StatementForm(forms.Form):
    month = forms.RegexField(
        label=_("账期（月份）"),
        regex=r"^\d{4}-\d{2}$",
        max_length=7,
        error_messages={"invalid": _("月份格式应为 YYYY-MM，例如 2026-12。"), "required": _("请选择账期。")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    side = forms.ChoiceField(
        label=_("视角"),
        choices=[("buyer", _("我方订购（需求方）")), ("provider", _("本单位提供（服务商）"))],
        required=False,
    )


class BuyerKeyForm(forms.Form):
    name = forms.CharField(label=_("用途说明"), max_length=64, error_messages={"required": _("请填写用途说明。")})
