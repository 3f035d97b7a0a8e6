"""Admin import/export that logs every export and escapes formula-looking cells."""

from import_export.admin import ImportExportMixin

from .admin_imports import GuardedImportMixin
from .audit import export_logged
from .exporting import safe_cell


class LoggedImportExportMixin(GuardedImportMixin, ImportExportMixin):
    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        for i, row in enumerate(list(dataset)):
            dataset[i] = tuple(safe_cell(v) for v in row)
        export_logged(user=request.user, what=f"后台导出：{self.model._meta.verbose_name}", rows=len(dataset),
                      filters=dict(request.GET.items()))  # fmt: skip
        return dataset
