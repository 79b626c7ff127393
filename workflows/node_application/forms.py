"""Forms: thin, field-level validation; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import IndustryCategory

from .campaign_rules import rules_for
from .form_steps import industry_choices_grouped, required_on_submit
from .models import MaterialFormat, NodeApplication
from .services import DECISIONS, FORM_FIELDS
from .services.common import RETURN_DECISIONS
from .services.entities import ENTITY_FIELDS, UNIT_USCC_FIELDS, entity_choices, entity_not_offered_message
from .services.review import OPINION_REQUIRED, expert_scores_missing


class ApplicationForm(forms.ModelForm):
    """附件2 / 附件3. Saving a draft accepts blanks; formats (USCC, e-mail) are always checked."""

    class Meta:
        model = NodeApplication
        fields = FORM_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 6})
            for name in (
                "policy_environment",
                "basis",
                "construction_plan",
                "application_promotion",
                "safeguard_measures",
            )
        } | {"facility_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, only: tuple[str, ...] | None = None, **kwargs):
        """``only``: the fields of one step of the form (all of them when None)."""
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["industry"].queryset = IndustryCategory.objects.all()
        # 建设主体/运营主体: the applicant itself and the units it enters on this form, by USCC (also those typed
        # on this very page, not yet saved); never the other organisations of the database.
        typed = [self.data.get(name, "") for name in UNIT_USCC_FIELDS] if self.is_bound else []
        for name in ENTITY_FIELDS:
            self.fields[name].queryset = entity_choices(application=self.instance, usccs=typed)
            self.fields[name].error_messages["invalid_choice"] = entity_not_offered_message()
            self.fields[name].help_text = _(
                "可选本单位，或本表填写的牵头单位、联合申报单位（须为已在本平台注册的单位，按统一社会信用代码对应）。"
            )
        # joint applicants only as far as the campaign's consortium size allows (the lead counts as one)
        max_consortium = rules_for(self.instance).max_consortium if self.instance.campaign_id else 3
        for n in (1, 2):
            if n >= max_consortium:
                for part in ("name", "address", "uscc"):
                    self.fields.pop(f"joint{n}_{part}", None)
        if not (
            self.instance.campaign_id and rules_for(self.instance).national_registration_for(self.instance.node_type)
        ):
            for name in ("national_registration_no", "national_registration_on"):
                self.fields.pop(name, None)  # only where the campaign demands the national-platform registration
        if "national_registration_on" in self.fields:
            self.fields["national_registration_on"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        # 附件2 has 申报区域 and 申报单位 (the authorities); 附件3 has 申报行业, 推荐单位 and 申报单位 (the applicant)
        if self.instance.node_type == "regional":
            del self.fields["industry"]
            del self.fields["recommending_unit"]
            self.fields["applicant_unit"].help_text = _("地方通信管理局、工业和信息化主管部门（需加盖公章）。")
            self.fields["basis"].label = _("二、区位基础")
        else:
            self.fields["applicant_unit"].help_text = _("申报的企事业单位（需加盖申报单位公章）。")
            self.fields["basis"].label = _("二、行业基础")
            if self.instance.industry_name_approved:
                self.fields["industry"].disabled = True
        self.fields["facility_site_address"].help_text = _(
            "运营条件声明：运营主体具有运营必要的场地、设备和人员等条件（申报通知“申报条件”）。"
            "请如实填写，并在申报材料中上传证明材料。"
        )
        self.submit_required = required_on_submit(self.instance) & set(self.fields)
        if only is not None:
            for name in [name for name in self.fields if name not in only]:
                del self.fields[name]
        if "industry" in self.fields:  # 中类 under their 大类; a type-to-filter box with JavaScript
            self.fields["industry"].widget.choices = industry_choices_grouped()
            self.fields["industry"].widget.attrs["data-picker"] = "industry"


class MaterialUploadForm(forms.Form):
    """The kinds offered are the campaign's list for this application (its node type; consortium-only ones for a
    consortium)."""

    kind = forms.ChoiceField(label=_("材料类别"))
    format = forms.ChoiceField(label=_("格式"), choices=MaterialFormat.choices)
    file = forms.FileField(label=_("文件"), help_text=_("PDF，或 DOC/DOCX/XLSX 可编辑文档；按文件内容识别。"))
    form_code = forms.CharField(
        label=_("申报表校验码"),
        max_length=32,
        required=False,
        help_text=_(
            "仅上传“申报表盖章签字扫描件”时填写：申报表每页页脚打印的 16 位校验码；扫描件 PDF 带文字时自动读取。"
        ),
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        rules = rules_for(application).materials_for(
            node_type=application.node_type, is_consortium=application.is_consortium
        )
        self.fields["kind"].choices = [
            (rule.code, _("%(label)s（不超过 %(mb)s MB）") % {"label": rule.label, "mb": rule.max_size_mb})
            for rule in rules
        ]


class TaskDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("办理结果"), widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.fields["decision"].choices = DECISIONS[task.kind]

    def clean(self):
        """The opinion a decision needs is asked for before the confirmation step (the service checks again)."""
        data = super().clean()
        decision, opinion = data.get("decision"), (data.get("opinion") or "").strip()
        if decision and not opinion and (decision in RETURN_DECISIONS or self.task.kind in OPINION_REQUIRED):
            self.add_error("opinion", _("请填写意见。"))
        if decision == "publicize" and (missing := expert_scores_missing(self.task.application)):
            self.add_error("decision", missing)  # before the confirmation step, not after it
        return data


class ExpertAssignForm(forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=_("评审专家"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择评审专家。")},
    )

    def __init__(self, *args, **kwargs):
        from .selectors import experts_available

        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = experts_available()


class ExpertScoreForm(forms.Form):
    score = forms.DecimalField(label=_("评分（0–100）"), min_value=0, max_value=100, decimal_places=2)
    comment = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ObjectionForm(forms.Form):
    lodged_by = forms.CharField(label=_("异议人"), max_length=128)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}))


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("里程碑"), max_length=100)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SubmitConfirmForm(forms.Form):
    """The confirmation step of 提交申报: the applicant answers for the truth of what it submits (信用承诺)."""

    declaration = forms.BooleanField(
        label=_(
            "本单位承诺：所填报的信息和上传的申报材料真实、准确、完整，无虚假记载；如有不实，"
            "本单位愿承担相应责任并接受失信惩戒。"
        ),
        error_messages={"required": _("请阅读并勾选信用承诺后再提交。")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写撤回原因。")},
        help_text=_("撤回原因会记入办理记录，审核部门可以看到。"),
    )
