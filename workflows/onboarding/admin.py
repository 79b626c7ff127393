"""Operators' view of the onboarding records (changes go through the processes, not the admin)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import LineApplication, ProviderApplication, ResellerApplication, ResellerQualification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderApplication)
class ProviderApplicationAdmin(ReadOnlyAdmin):
    list_display = ["organization", "submitted_at", "decision", "decided_by", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["organization__name", "organization__uscc"]


@admin.register(ResellerApplication)
class ResellerApplicationAdmin(ReadOnlyAdmin):
    list_display = ["organization", "submitted_at", "requested_years", "decision", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["organization__name"]


@admin.register(ResellerQualification)
class ResellerQualificationAdmin(ReadOnlyAdmin):
    list_display = ["number", "provider", "valid_from", "valid_until", "granted_by", "revoked_at"]
    search_fields = ["number", "provider__organization__name"]
    actions = ["revoke"]

    @admin.action(description=_("撤销所选资格（立即生效）"), permissions=["view"])
    def revoke(self, request, queryset):
        from .qualifications import reseller_qualification_revoke

        for qualification in queryset.filter(revoked_at__isnull=True):
            reseller_qualification_revoke(qualification=qualification, reason=_("节点运营人员撤销"), actor=request.user)
        self.message_user(request, _("已撤销所选资格。"), messages.SUCCESS)


@admin.register(LineApplication)
class LineApplicationAdmin(ReadOnlyAdmin):
    list_display = ["line", "organization", "submitted_at", "decision", "decided_at"]
    list_filter = ["decision"]
