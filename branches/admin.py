from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .admin_mixins import LoggedImportExportMixin
from .models import AuditEvent, BranchType, ExportLog, Organization, Role
from .resources import OrganizationResource


@admin.register(BranchType)
class BranchTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "domain", "links_villages", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(LoggedImportExportMixin, TreeAdmin):
    form = movenodeform_factory(Organization, exclude=["township", "term_ends_on"])
    resource_classes = [OrganizationResource]
    list_display = [
        "name",
        "code",
        "level",
        "domain",
        "branch_type",
        "secretary_name",
        "term_ends_on",
        "status",
    ]
    list_filter = ["domain", "level", "branch_type", "status", "org_form"]
    search_fields = ["name", "code", "secretary_name"]
    autocomplete_fields = ["merged_into", "linked_villages"]
    readonly_fields = ["township", "term_ends_on"]
    inlines = [RoleInline]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch_type")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "organization", "can_export", "can_view_full_id", "granted_at"]
    list_filter = ["kind", "can_export", "can_view_full_id"]
    search_fields = ["user__username", "user__first_name", "organization__name", "organization__code"]
    autocomplete_fields = ["user", "organization"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "ip_address", "action", "content_type", "object_repr", "organization"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username", "object_id"]
    date_hierarchy = "at"


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "ip_address", "what", "rows"]
    search_fields = ["user__username", "what"]
    date_hierarchy = "at"


admin.site.empty_value_display = _("—")
