"""Organization import/export (django-import-export) by code and parent code.

Rows must list parents before children (an export does). New rows are inserted into the tree
under their parent; a changed parent code moves the subtree. Unknown parent codes are refused
with the row number.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget, IntegerWidget

from config.dbstats import analyze_after_bulk_load

from . import services
from .models import BranchType, Organization


class OrganizationResource(resources.ModelResource):
    parent_code = fields.Field(attribute="parent_code", column_name="上级组织代码")
    code = fields.Field(attribute="code", column_name="组织代码")
    name = fields.Field(attribute="name", column_name="组织名称")
    level = fields.Field(attribute="level", column_name="层级")
    domain = fields.Field(attribute="domain", column_name="领域")
    org_form = fields.Field(attribute="org_form", column_name="组织形式")
    branch_type = fields.Field(
        attribute="branch_type", column_name="支部类型代码", widget=ForeignKeyWidget(BranchType, field="code")
    )
    secretary_name = fields.Field(attribute="secretary_name", column_name="书记")
    last_election_on = fields.Field(
        attribute="last_election_on", column_name="上次换届日期", widget=DateWidget("%Y-%m-%d")
    )
    term_years = fields.Field(attribute="term_years", column_name="任期（年）", widget=IntegerWidget())
    status = fields.Field(attribute="status", column_name="状态")

    class Meta:
        model = Organization
        import_id_fields = ("code",)
        fields = (
            "code", "name", "parent_code", "level", "domain", "org_form", "branch_type",
            "secretary_name", "last_election_on", "term_years", "status",
        )  # fmt: skip
        export_order = fields
        skip_unchanged = True
        report_skipped = False

    def import_data(self, dataset, **kwargs):
        # All or nothing: a file with any bad row imports no row at all.
        kwargs.setdefault("use_transactions", True)
        kwargs["rollback_on_validation_errors"] = True
        self._actor = kwargs.get("user")  # the admin passes who imports: every row is audited as theirs
        return super().import_data(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        # Rows are written through the services; a last set-based pass keeps every township link right.
        if not result.has_errors() and not result.has_validation_errors():
            services.organization_relink_townships()
            analyze_after_bulk_load(Organization, rows=len(dataset))

    def dehydrate_parent_code(self, org):
        parent = Organization.objects.get_parent(org)
        return parent.code if parent else ""

    def get_queryset(self):
        return Organization.objects.order_by("path")

    def before_save_instance(self, instance, row, **kwargs):
        code = (row.get("上级组织代码") or "").strip()
        instance._new_parent = None
        if code:
            try:
                instance._new_parent = Organization.objects.get(code=code)
            except Organization.DoesNotExist:
                raise ValidationError(
                    {"parent_code": f"上级组织代码 {code} 不存在（上级须在本文件前面的行或系统中已有）。"}
                ) from None

    def do_instance_save(self, instance, is_create):
        """Through the services, as the pages and the admin form: audited, township links kept."""
        actor = getattr(self, "_actor", None)
        parent = instance._new_parent
        fields = {f: getattr(instance, f) for f in self._meta.fields if f in services.EDITABLE}
        if is_create:
            org = services.organization_create(actor=actor, parent=parent, **fields)
            instance.pk, instance.path, instance.township_id = org.pk, org.path, org.township_id
            return
        org = services.organization_update(
            actor=actor, org=Organization.objects.get(pk=instance.pk), **fields
        )
        current = Organization.objects.get_parent(org, update=True)
        if parent is not None and (current is None or current.pk != parent.pk):
            services.organization_move(actor=actor, org=org, new_parent=parent)
