from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentifierClass, IdentifierState


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("用途说明"), max_length=64, help_text=_("例如：资源管理系统对接、监控推送。密钥只显示一次。")
    )


class IdentifierLibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("标识"), required=False, max_length=64)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *IdentifierState.choices])
    class_code = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部")), *IdentifierClass.choices])


class IdentifierTransitionForm(forms.Form):
    to_state = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (IdentifierState.ACTIVE, IdentifierState.ACTIVE.label),
            (IdentifierState.SUSPENDED, IdentifierState.SUSPENDED.label),
            (IdentifierState.REVOKED, IdentifierState.REVOKED.label),
        ],
    )
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
