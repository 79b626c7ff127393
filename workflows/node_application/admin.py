from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ApplicationEvent, Campaign, ExpertAssignment, Material, NodeApplication, ReviewTask


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "year", "materials_deadline", "ministry_deadline"]
    list_filter = ["year"]


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
