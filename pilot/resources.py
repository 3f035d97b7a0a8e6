"""Task import/export (django-import-export): the department maintains the yearly task list in Excel."""

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget, IntegerWidget

from branches.admin_mixins import AuditedImportMixin

from .models import PlanYear, Task


class ListWidget(fields.widgets.Widget):
    """'village,community' (or with 、) ⇄ ['village', 'community']."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return []
        return [v.strip() for v in str(value).replace("、", ",").replace("，", ",").split(",") if v.strip()]

    def render(self, value, obj=None, **kwargs):
        return ",".join(value or [])


class TaskResource(AuditedImportMixin, resources.ModelResource):
    year = fields.Field(
        attribute="plan_year", column_name="年度", widget=ForeignKeyWidget(PlanYear, field="year")
    )
    code = fields.Field(attribute="code", column_name="任务编号")
    title = fields.Field(attribute="title", column_name="任务名称")
    description = fields.Field(attribute="description", column_name="任务要求")
    element = fields.Field(attribute="element", column_name="要素")
    function = fields.Field(attribute="function", column_name="功能")
    cadence = fields.Field(attribute="cadence", column_name="频次")
    due_date = fields.Field(attribute="due_date", column_name="完成期限", widget=DateWidget("%Y-%m-%d"))
    due_day = fields.Field(attribute="due_day", column_name="每期截止日", widget=IntegerWidget())
    domains = fields.Field(attribute="domains", column_name="适用领域", widget=ListWidget())
    levels = fields.Field(attribute="levels", column_name="适用层级", widget=ListWidget())

    class Meta:
        model = Task
        import_id_fields = ("year", "code")
        fields = ("year", "code", "title", "description", "element", "function", "cadence", "due_date", "due_day",
                  "domains", "levels")  # fmt: skip
        export_order = fields
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.is_common = not instance.domains
        try:
            instance.full_clean(exclude=["excluded_orgs"])
        except ValidationError as e:
            raise ValidationError({k: [f"第 {row.get('__row__', '?')} 行：{m}" for m in v]
                                   for k, v in e.message_dict.items()}) from None  # fmt: skip
