from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    ApplicationEvent,
    Campaign,
    CampaignMaterial,
    CampaignNotificationText,
    CampaignRulesVersion,
    CampaignStageName,
    ExpertAssignment,
    Material,
    NodeApplication,
    ReviewTask,
)


class CampaignMaterialForm(forms.ModelForm):
    """Narrow inputs: the materials table fits a 1366 px screen instead of scrolling sideways."""

    class Meta:
        model = CampaignMaterial
        fields = [
            "position",
            "code",
            "label",
            "scope",
            "condition",
            "pdf_required",
            "editable_required",
            "max_size_mb",
            "note",
        ]
        widgets = {
            "position": forms.NumberInput(attrs={"style": "width: 3em"}),
            "code": forms.TextInput(attrs={"size": 11}),
            "label": forms.TextInput(attrs={"size": 15}),
            "max_size_mb": forms.NumberInput(attrs={"style": "width: 4em"}),
            "note": forms.TextInput(attrs={"size": 12}),
        }


class CampaignMaterialInline(admin.TabularInline):
    model = CampaignMaterial
    form = CampaignMaterialForm
    extra = 0
    fields = CampaignMaterialForm.Meta.fields
    verbose_name_plural = _("申报材料清单（不填则使用全国通知的材料清单）")


class CampaignStageNameInline(admin.TabularInline):
    model = CampaignStageName
    extra = 0


class CampaignNotificationTextInline(admin.TabularInline):
    model = CampaignNotificationText
    extra = 0


class CampaignRulesVersionInline(admin.TabularInline):
    """The frozen versions applications were submitted under: read-only, never edited."""

    model = CampaignRulesVersion
    extra = 0
    fields = ["number", "created_at", "rules"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """A province's call, configured entirely here: batch, dates, route, eligibility parameters, materials, the
    applicant-facing stage names and the notification texts."""

    list_display = ["name", "province", "year", "batch", "materials_deadline", "ministry_deadline"]
    list_filter = ["year", "province"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (_("批次"), {"fields": ["name", "slug", "province", "year", "batch", "accepts_regional", "accepts_industry"]}),
        (
            _("申报与审核时间"),
            {
                "fields": [
                    "opens_at",
                    "industry_name_prereview_deadline",
                    "materials_deadline",
                    "municipal_review_starts_at",
                    "municipal_review_ends_at",
                    "provincial_review_starts_at",
                    "provincial_review_ends_at",
                    "paper_copies_deadline",
                    "ministry_deadline",
                    "publicity_days",
                    "min_expert_scores",
                ],
                "description": _("北京时间。留空的窗口不限制；截止时刻及以后的操作一律不予受理。"),
            },
        ),
        (
            _("审核路线"),
            {
                "fields": [
                    "has_municipal_review",
                    "municipal_review_mode",
                    "provincial_review_mode",
                    "has_national_registration",
                    "national_registration_scope",
                    "has_paper_copies",
                    "paper_copies_count",
                    "paper_copies_address",
                ],
                "description": _("行业名称初核：填写上方“行业名称初核截止”即启用。"),
            },
        ),
        (
            _("资格条件"),
            {
                "fields": [
                    "min_registered_capital_wan",
                    "licence_categories",
                    "dishonesty_years",
                    "max_consortium",
                    "one_regional_per_province",
                    "one_per_industry",
                ],
                "description": _("已提交的申报按提交时的规则版本审核，此处修改只影响之后提交的申报。"),
            },
        ),
    ]
    inlines = [
        CampaignMaterialInline,
        CampaignStageNameInline,
        CampaignNotificationTextInline,
        CampaignRulesVersionInline,
    ]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["kind", "format", "original_name", "detected_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


class TaskInline(admin.TabularInline):
    model = ReviewTask
    extra = 0
    fields = ["kind", "department", "status", "decision_shown", "opinion", "acted_by", "acted_at", "workflow_task"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("办理结果"))
    def decision_shown(self, task: ReviewTask) -> str:
        return task.decision_label or "—"  # the label ("推荐"), never the code ("recommend")


class ExpertInline(admin.TabularInline):
    model = ExpertAssignment
    extra = 0
    fields = ["expert", "assigned_by", "assigned_at"]
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ["at", "action_label", "actor", "from_stage", "to_stage", "opinion"]
    readonly_fields = fields
    can_delete = False


@admin.register(NodeApplication)
class NodeApplicationAdmin(admin.ModelAdmin):
    """Read-only: state changes go through the services (and so through the trail)."""

    list_display = ["reference", "node_type", "organization", "stage", "campaign", "submitted_at", "process"]
    list_filter = ["campaign", "node_type", "stage"]
    search_fields = ["reference", "lead_name", "organization__name"]
    inlines = [MaterialInline, TaskInline, ExpertInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
