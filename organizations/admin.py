from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Authority, Division, IndustryCategory, Organization, TelecomLicence, User
from .services import division_save, organization_save


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en", "name_pinyin"]

    def save_model(self, request, obj, form, change):
        division_save(division=obj)


@admin.register(IndustryCategory)
class IndustryCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "section", "division_code", "division_name"]
    list_filter = ["section"]
    search_fields = ["code", "name", "division_name"]


class TelecomLicenceInline(admin.TabularInline):
    model = TelecomLicence
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "kind", "province", "city", "registered_capital", "has_major_dishonesty"]
    list_filter = ["kind", "province", "has_major_dishonesty"]
    search_fields = ["name", "uscc"]
    autocomplete_fields = ["province", "city"]
    inlines = [TelecomLicenceInline]

    def save_model(self, request, obj, form, change):
        organization_save(organization=obj)


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "department", "division"]
    list_filter = ["level", "department"]
    search_fields = ["name"]
    autocomplete_fields = ["division"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "organization", "authority", "is_active"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["organization", "authority"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("单位与职务"), {"fields": ["full_name", "title", "phone", "organization", "authority"]}),
    )
