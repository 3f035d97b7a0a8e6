"""Back office: the department edits indicator schemes here.

A draft scheme is editable; publishing validates it (weights add up, thresholds ordered, a
lagging band); a published scheme is read-only — "新建版本" copies it into a new draft.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branches.models import Domain

from . import models, services


class FrozenWhenPublished:
    def _frozen(self, obj):
        scheme = getattr(obj, "scheme", obj)
        return bool(scheme and scheme.pk and scheme.is_frozen)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._frozen(obj)


class IndicatorInline(FrozenWhenPublished, admin.TabularInline):
    model = models.Indicator
    extra = 0
    fields = [
        "sort_order",
        "code",
        "name",
        "kind",
        "element",
        "domain",
        "source",
        "mapping",
        "weight",
        "params",
        "condition_op",
        "condition_value",
        "veto_effect",
    ]


class GradeBandInline(FrozenWhenPublished, admin.TabularInline):
    model = models.GradeBand
    extra = 0


class SchemeForm(forms.ModelForm):
    """适用领域 as checkboxes (stored as a list of domain codes; none ticked = every domain)."""

    domains = forms.MultipleChoiceField(
        label=_("适用领域"),
        choices=Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为全部领域；否则只考核所选领域的单位。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].required = False
            self.fields["version"].help_text = _("新建时留空：按年度和类别自动编号。")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("version") and data.get("year") and data.get("kind"):
            last = (
                models.Scheme.objects.filter(year=data["year"], kind=data["kind"])
                .order_by("-version")
                .first()
            )
            data["version"] = (last.version if last else 0) + 1
        return data

    class Meta:
        model = models.Scheme
        fields = [
            "year", "kind", "version", "name", "subject", "description", "scope", "domains", "branch_types",
            "total_points", "bonus_cap", "deduction_cap", "lagging_below", "lagging_bottom_percent",
            "lagging_vetoed", "veto_effect", "notice_days",
        ]  # fmt: skip


@admin.register(models.Scheme)
class SchemeAdmin(admin.ModelAdmin):
    form = SchemeForm
    list_display = ["year", "kind", "version", "name", "coverage", "status", "published_at"]
    list_filter = ["year", "kind", "status"]
    readonly_fields = ["status", "published_at", "supersedes"]
    raw_id_fields = ["scope"]
    filter_horizontal = ["branch_types"]
    inlines = [IndicatorInline, GradeBandInline]
    fieldsets = [
        (None, {"fields": ["year", "kind", "version", "name", "subject", "description"]}),
        (_("适用范围"), {"fields": ["scope", "domains", "branch_types"],
                         "description": _("每个单位按覆盖它的最具体的已发布指标体系考核：先看组织范围的层级（越深越具体），"
                                          "再看是否限定领域、支部类型。")}),
        (_("分值"), {"fields": ["total_points", "bonus_cap", "deduction_cap"]}),
        (_("后进与一票否决"), {"fields": ["lagging_below", "lagging_bottom_percent", "lagging_vetoed", "veto_effect"]}),
        (_("发布"), {"fields": ["notice_days", "status", "published_at", "supersedes"]}),
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scope").prefetch_related("branch_types")

    @admin.display(description=_("适用范围"))
    def coverage(self, obj):
        return obj.coverage_label()

    actions = ["publish", "new_version"]

    def has_change_permission(self, request, obj=None):
        # A published scheme stays viewable (read-only), never editable.
        return super().has_change_permission(request, obj) and not (obj and obj.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_frozen)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for p in services.scheme_problems(form.instance):
            messages.warning(request, p)

    @admin.action(description=_("校验并发布所选草稿"))
    def publish(self, request, queryset):
        for s in queryset:
            try:
                services.scheme_publish(actor=request.user, scheme=s)
                messages.success(request, _("已发布：%(s)s") % {"s": s})
            except ValidationError as e:
                messages.error(request, f"{s}：" + "；".join(e.messages))

    @admin.action(description=_("以所选版本为基础新建草稿版本"))
    def new_version(self, request, queryset):
        for s in queryset:
            new = services.scheme_new_version(actor=request.user, scheme=s)
            messages.success(request, _("已新建：%(s)s") % {"s": new})


class ItemInline(admin.TabularInline):
    model = models.StandardItem
    extra = 1


@admin.register(models.Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "year", "status"]
    list_filter = ["year", "domain", "status"]
    readonly_fields = ["status"]
    inlines = [ItemInline]
    actions = ["publish"]

    @admin.action(description=_("发布所选草稿标准"))
    def publish(self, request, queryset):
        for s in queryset:
            try:
                services.standard_publish(actor=request.user, standard=s)
                messages.success(request, _("已发布：%(s)s") % {"s": s})
            except ValidationError as e:
                messages.error(request, f"{s}：" + "；".join(e.messages))


@admin.register(models.ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = ["period", "kind", "status", "chunks_done", "chunks_total", "heartbeat_at", "attempts"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(models.AssessorEntry)
class AssessorEntryAdmin(admin.ModelAdmin):
    list_display = ["organization", "period", "code", "stage", "value", "entered_by", "entered_at"]
    list_select_related = ["organization", "entered_by"]
    list_filter = ["period", "code", "stage"]
    raw_id_fields = ["organization"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        # The one write path: audited with the old and the new value, like the portal's pages.
        saved = services.entry_set(
            actor=request.user, organization=obj.organization, period=obj.period, code=obj.code,
            value=obj.value, stage=obj.stage, note=obj.note,
        )  # fmt: skip
        obj.pk = saved.pk


@admin.register(models.BallotBatch)
class BallotBatchAdmin(admin.ModelAdmin):
    """Read-only here: ballots are issued (and audited) from the portal's 一次性评价票 page."""

    list_display = ["organization", "purpose", "period", "size", "issued_by", "issued_at"]
    list_filter = ["purpose", "period"]
    list_select_related = ["organization", "issued_by"]
    raw_id_fields = ["organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
