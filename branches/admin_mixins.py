"""Admin import/export that logs every export and escapes formula-looking cells; the audited and
the read-only admin.

Exports are offered as xlsx and CSV only (no tsv/json/yaml/html: nobody here opens those, and
each is one more way out for personal data); the CSV starts with a UTF-8 byte-order mark so
Chinese Excel opens it as UTF-8 instead of garbling it as GBK.
"""

from django.db import transaction
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from .admin_imports import GuardedImportMixin
from .audit import export_logged
from .exporting import safe_cell


class ExcelCSV(base_formats.CSV):
    """CSV in UTF-8 with BOM (what Excel on a Chinese Windows needs to read UTF-8)."""

    BOM = "\ufeff"

    def export_data(self, dataset, **kwargs):
        return self.BOM + super().export_data(dataset, **kwargs)


EXPORT_FORMATS = [ExcelCSV, base_formats.XLSX]


class LoggedImportExportMixin(GuardedImportMixin, ImportExportMixin):
    def get_export_formats(self):
        return [f for f in EXPORT_FORMATS if f().can_export()]

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        for i, row in enumerate(list(dataset)):
            dataset[i] = tuple(safe_cell(v) for v in row)
        export_logged(user=request.user, what=f"后台导出：{self.model._meta.verbose_name}", rows=len(dataset),
                      filters=dict(request.GET.items()))  # fmt: skip
        return dataset


def _snapshot(obj) -> dict:
    return {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in ("resident_id", "resident_id_hash")
    }


def _organization(obj):
    from .models import Organization

    org = obj if isinstance(obj, Organization) else getattr(obj, "organization", None)
    return org if isinstance(org, Organization) else None


class AuditedAdminMixin:
    """For plain records the back office may edit (no rule beyond the model's own validation):
    every admin save and delete, inline rows included, leaves an audit row ``{field: [old, new]}``.
    Records with rules of their own (a state machine, figures computed from other rows) are
    read-only in the admin instead (``ReadOnlyAdminMixin``) and change through their services."""

    def save_model(self, request, obj, form, change):
        from .audit import audit_record, diff
        from .models import AuditAction

        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = diff(before, _snapshot(obj))
            if changes or not change:
                audit_record(actor=request.user, action=AuditAction.ADMIN_SAVE, obj=obj, changes=changes,
                             organization=_organization(obj))  # fmt: skip

    def save_formset(self, request, form, formset, change):
        from .audit import audit_record, diff
        from .models import AuditAction

        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            initial = {f.instance.pk: f.initial for f in formset.initial_forms}
            for o in formset.new_objects:
                audit_record(actor=request.user, action=AuditAction.ADMIN_SAVE, obj=o,
                             changes=diff({}, _snapshot(o)), organization=_organization(o))  # fmt: skip
            for o, fields in formset.changed_objects:
                old = initial.get(o.pk, {})
                audit_record(actor=request.user, action=AuditAction.ADMIN_SAVE, obj=o,
                             changes=diff({f: old.get(f) for f in fields}, {f: getattr(o, f) for f in fields}),
                             organization=_organization(o))  # fmt: skip
            for o in formset.deleted_objects:
                audit_record(actor=request.user, action=AuditAction.ADMIN_DELETE, obj=o,
                             changes=diff(_snapshot(o), {}), organization=_organization(o))  # fmt: skip

    def delete_model(self, request, obj):
        from .audit import audit_record, diff
        from .models import AuditAction

        with transaction.atomic():
            audit_record(actor=request.user, action=AuditAction.ADMIN_DELETE, obj=obj,
                         changes=diff(_snapshot(obj), {}), organization=_organization(obj))  # fmt: skip
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyAdminMixin:
    """Shown, never changed here: the record's rules live in its services (and its pages)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedImportMixin:
    """For a django-import-export resource without a service of its own: each imported row leaves
    an audit row as the person who imported it (the admin passes ``user``)."""

    def import_data(self, dataset, **kwargs):
        self._importer = kwargs.get("user")
        return super().import_data(dataset, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        from .audit import audit_record, diff
        from .models import AuditAction

        super().after_save_instance(instance, row, **kwargs)
        if not kwargs.get("dry_run"):
            audit_record(actor=getattr(self, "_importer", None), action=AuditAction.ADMIN_IMPORT, obj=instance,
                         changes=diff({}, _snapshot(instance)), organization=_organization(instance))  # fmt: skip
