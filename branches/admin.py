"""The back office. Organizations and roles change through ``branches.services`` here too
(audited, with the tree's invariants); what the admin cannot keep the rules of is read-only."""

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin

from . import services
from .admin_mixins import AuditedAdminMixin, LoggedImportExportMixin
from .models import AuditAction, AuditEvent, BranchType, ExportLog, Organization, Role
from .resources import OrganizationResource


class OrganizationAdminForm(forms.ModelForm):
    """The organization's fields plus its parent by code (上级组织代码), as in the import file."""

    parent_code = forms.CharField(
        label=_("上级组织代码"),
        max_length=32,
        required=False,
        help_text=_("留空为根组织；修改即调整到新的上级组织之下。"),
    )

    class Meta:
        model = Organization
        fields = [*services.EDITABLE, "linked_villages"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            parent = Organization.objects.get_parent(self.instance)
            self.initial["parent_code"] = parent.code if parent else ""

    def clean_parent_code(self):
        code = self.cleaned_data["parent_code"].strip()
        if not code:
            if self.instance.pk and self.instance.depth > 1:
                raise ValidationError(_("请填写上级组织代码（已有组织不能改为根组织）。"))
            return None
        parent = Organization.objects.filter(code=code).first()
        if parent is None:
            raise ValidationError(_("上级组织代码 %(c)s 不存在。") % {"c": code})
        if self.instance.pk and parent.path.startswith(self.instance.path):
            raise ValidationError(_("不能把组织移动到它自己或它的下级组织之下。"))
        return parent

    def _post_clean(self):
        # Validate the model's rules on a copy: the services read the row as it was, save and audit.
        original = self.instance
        self.instance = copy.copy(original)
        try:
            super()._post_clean()
        finally:
            self.instance = original


def _become(obj, saved):
    """The admin goes on with the object it passed in (its log entry, its redirect): make it the
    row the service saved."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False
    return obj


@admin.register(BranchType)
class BranchTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "domain", "links_villages", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code"]


@admin.register(Organization)
class OrganizationAdmin(LoggedImportExportMixin, TreeAdmin):
    form = OrganizationAdminForm
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
    readonly_fields = ["township", "term_ends_on", "roles_held"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch_type")

    @admin.display(description=_("角色"))
    def roles_held(self, obj):
        # Granted and revoked on the role page (audited with their flags), listed here for reference.
        if not obj.pk:
            return "—"
        roles = obj.roles.select_related("user").order_by("kind", "user__username")
        return "；".join(f"{r.user} · {r.get_kind_display()}" for r in roles) or "—"

    def has_delete_permission(self, request, obj=None):
        return False  # merged or dissolved, never deleted: the record and its history stay

    def save_model(self, request, obj, form, change):
        """Create, update and move through the services: audited, township links follow a move."""
        data = form.cleaned_data
        fields = {f: data[f] for f in services.EDITABLE if f in data}
        parent = data.get("parent_code")
        if not change:
            form.instance = _become(
                obj, services.organization_create(actor=request.user, parent=parent, **fields)
            )
            return
        org = Organization.objects.get(pk=obj.pk)
        org = services.organization_update(actor=request.user, org=org, **fields)
        current = Organization.objects.get_parent(org)
        if parent is not None and (current is None or current.pk != parent.pk):
            org = services.organization_move(actor=request.user, org=org, new_parent=parent)
        form.instance = _become(obj, org)

    def save_related(self, request, form, formsets, change):
        if "linked_villages" in form.cleaned_data:
            services.organization_set_linked_villages(
                actor=request.user, org=form.instance, villages=form.cleaned_data["linked_villages"]
            )

    def move_node(self, request):
        """The tree's drag and drop, through ``organization_move`` (audited; township links follow)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            node = Organization.objects.get(pk=request.POST.get("node"))
            target = Organization.objects.get(pk=request.POST.get("target"))
        except (Organization.DoesNotExist, ValueError):
            return HttpResponseBadRequest("Invalid form data provided")
        parent = (
            target if request.POST.get("relation") == "child" else Organization.objects.get_parent(target)
        )
        if parent is None:
            messages.error(request, _("不能移动为根组织。"))
            return HttpResponseBadRequest("root")
        try:
            with transaction.atomic():
                services.organization_move(actor=request.user, org=node, new_parent=parent)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
            return HttpResponseBadRequest("invalid move")
        messages.info(request, _("已将“%(n)s”调整到“%(p)s”之下。") % {"n": node, "p": parent})
        return HttpResponse("OK")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """Grants, flag changes and revocations go through ``role_grant`` / ``role_update`` /
    ``role_revoke``: each leaves an audit row with its flags (full-ID access included)."""

    list_display = ["user", "kind", "organization", "can_export", "can_view_full_id", "granted_at"]
    list_select_related = ["user", "organization"]
    list_filter = ["kind", "can_export", "can_view_full_id"]
    search_fields = ["user__username", "user__first_name", "organization__name", "organization__code"]
    autocomplete_fields = ["user", "organization"]

    def get_readonly_fields(self, request, obj=None):
        # Another person, organization or kind is another role: revoke this one, grant that one.
        return ["user", "organization", "kind"] if obj else []

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        if change:
            role = Role.objects.get(pk=obj.pk)
            saved = services.role_update(
                actor=request.user,
                role=role,
                can_export=d["can_export"],
                can_view_full_id=d["can_view_full_id"],
            )
        else:
            saved = services.role_grant(
                actor=request.user,
                user=d["user"],
                organization=d["organization"],
                kind=d["kind"],
                can_export=d["can_export"],
                can_view_full_id=d["can_view_full_id"],
            )  # fmt: skip  (the grant's six arguments read as one sentence)
        form.instance = _become(obj, saved)

    def delete_model(self, request, obj):
        services.role_revoke(actor=request.user, role=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for role in queryset.select_related("user", "organization"):
                services.role_revoke(actor=request.user, role=role)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditActionFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return AuditAction.choices

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "actor",
        "ip_address",
        "action_label",
        "content_type",
        "object_repr",
        "organization",
        "changes",
    ]  # fmt: skip  (the trail's columns in reading order)
    list_filter = [AuditActionFilter, "content_type"]
    # actor and organization are nullable: Django's default select_related() skips them (N+1)
    list_select_related = ["actor", "content_type", "organization"]

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, obj):
        return obj.action_label

    search_fields = ["object_repr", "actor__username", "object_id"]
    date_hierarchy = "at"


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "ip_address", "what", "rows"]
    list_select_related = ["user"]
    search_fields = ["user__username", "what"]
    date_hierarchy = "at"


admin.site.empty_value_display = _("—")
