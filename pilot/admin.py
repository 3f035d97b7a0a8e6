from django.contrib import admin

from branches.admin_mixins import AuditedAdminMixin, LoggedImportExportMixin, ReadOnlyAdminMixin

from . import models as m
from .resources import TaskResource


class GoalInline(admin.TabularInline):
    model = m.AnnualGoal
    extra = 0


class YearInline(admin.TabularInline):
    model = m.PlanYear
    extra = 0


@admin.register(m.Plan)
class PlanAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "start_year", "end_year"]
    inlines = [YearInline]


@admin.register(m.PlanYear)
class PlanYearAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "theme", "plan"]
    list_select_related = ["plan"]
    inlines = [GoalInline]


@admin.register(m.Task)
class TaskAdmin(AuditedAdminMixin, LoggedImportExportMixin, admin.ModelAdmin):
    resource_classes = [TaskResource]
    list_display = ["code", "title", "plan_year", "element", "function", "cadence", "is_common", "is_active"]
    list_select_related = ["plan_year"]
    list_filter = ["plan_year", "element", "function", "cadence", "is_common", "is_active"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["excluded_orgs"]


@admin.register(m.ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reported, reviewed and marked late through ``pilot.services`` only (one definition of late)."""

    list_display = ["organization", "task", "period", "due_date", "status", "is_late"]
    list_filter = ["status", "is_late", "period"]
    search_fields = ["organization__name", "organization__code", "task__code"]
    raw_id_fields = ["organization", "task", "reviewed_by"]
    list_select_related = ["organization", "task"]
    show_full_result_count = False


# Records with a service of their own (attendance from the roster, publishing, closing, progress,
# recipients) are read-only here; the rest are plain records, edited with an audit row each.
SERVICED = {m.Activity, m.Brand, m.MeetingDecision, m.Commitment, m.Notice, m.WeeklyMeeting}


def _listed_fks(model, fields) -> list[str]:
    """The foreign keys among the listed columns: fetched with the page (no query per row)."""
    names = {f.name for f in model._meta.get_fields() if f.many_to_one and not f.auto_created}
    return [f for f in fields if f in names]


for model, fields in [
    (m.Commitment, ["content", "organization", "year", "percent", "fulfilled"]),
    (m.CollectiveIncome, ["organization", "year", "income", "target", "is_lagging", "is_weak"]),
    (m.Activity, ["held_on", "kind", "topic", "organization", "attended", "expected"]),
    (m.ServiceCenterProject, ["name", "organization", "stage", "budget", "spent", "completed_on"]),
    (m.Brand, ["name", "organization", "kind", "published_at"]),
    (m.HonorTarget, ["organization", "year", "target_level"]),
    (m.Honor, ["title", "organization", "level", "awarded_on"]),
    (m.FundingRecord, ["organization", "year", "category", "amount", "spent_on"]),
    (m.WeeklyMeeting, ["held_on", "topic", "organization"]),
    (m.MeetingDecision, ["content", "owner", "due_date", "status"]),
    (m.Notice, ["title", "sender_org", "sent_at"]),
]:
    admin.site.register(
        model,
        type(f"{model.__name__}Admin", (ReadOnlyAdminMixin if model in SERVICED else AuditedAdminMixin, admin.ModelAdmin), {"list_display": fields, "raw_id_fields": [
            f.name for f in model._meta.get_fields() if (f.many_to_one or f.many_to_many) and not f.auto_created and
            f.related_model._meta.model_name in ("organization", "member", "user")],
        "list_select_related": _listed_fks(model, fields)}),
    )  # fmt: skip
