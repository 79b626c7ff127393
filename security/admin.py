from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import RiskAssessment, SecurityAlert, SecurityEvent, VulnerabilityFinding, VulnerabilityScan


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system: operators read them, nobody edits them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "username", "ip_address", "path"]
    list_filter = ["kind", "occurred_at"]
    search_fields = ["username", "ip_address", "path", "detail"]
    date_hierarchy = "occurred_at"


@admin.register(SecurityAlert)
class SecurityAlertAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "kind", "event_count", "window_minutes"]
    list_filter = ["kind"]


class VulnerabilityFindingInline(admin.TabularInline):
    model = VulnerabilityFinding
    extra = 0
    can_delete = False
    fields = ["tool", "identifier", "severity", "package", "version", "fix_versions", "description"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VulnerabilityScan)
class VulnerabilityScanAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "status", "dependency_status", "code_status", "triggered_by"]
    list_filter = ["status"]
    inlines = [VulnerabilityFindingInline]


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "likelihood", "impact", "score", "status", "review_on"]
    list_filter = ["status", "likelihood", "impact"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["owner"]
    date_hierarchy = "review_on"


# Unlocking from the admin goes through the service, so it lands on the security log.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    actions = ["unlock_selected"]

    @admin.action(description=_("解除所选登录锁定"), permissions=["delete"])
    def unlock_selected(self, request, queryset):
        removed = 0
        for attempt in list(queryset):
            removed += services.login_unlock(
                actor=request.user,
                username=attempt.username or "",
                ip_address=attempt.ip_address or "",
                request=request,
            )
        self.message_user(request, _("已解除锁定（清除 %(n)s 条失败记录）。") % {"n": removed}, messages.SUCCESS)
