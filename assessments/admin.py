"""Back office: the department edits indicator schemes here.

A draft scheme is editable; publishing validates it (weights add up, thresholds ordered, a
lagging band); a published scheme is read-only — "新建版本" copies it into a new draft.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
    ]


class GradeBandInline(FrozenWhenPublished, admin.TabularInline):
    model = models.GradeBand
    extra = 0


@admin.register(models.Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["year", "kind", "version", "name", "status", "published_at"]
    list_filter = ["year", "kind", "status"]
    readonly_fields = ["status", "published_at", "supersedes"]
    inlines = [IndicatorInline, GradeBandInline]
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
    list_display = ["name", "domain", "year"]
    list_filter = ["year", "domain"]
    inlines = [ItemInline]


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
    list_filter = ["period", "code", "stage"]
    raw_id_fields = ["organization"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)
