"""Admin for the department: roster (masked IDs, logged export, the fast roster import),
pioneer-index schemes (published versions read-only; publish / copy as new version), care."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from branches.admin_mixins import AuditedAdminMixin, LoggedImportExportMixin, ReadOnlyAdminMixin

from . import importing, services
from .forms import ImportForm
from .models import (
    CarePayment,
    CareVisit,
    Member,
    PioneerIndicator,
    PioneerScheme,
    PioneerScore,
    SchemeStatus,
)
from .resources import MemberResource


@admin.register(Member)
class MemberAdmin(ReadOnlyAdminMixin, LoggedImportExportMixin, admin.ModelAdmin):
    """Export through django-import-export; import through ``members.importing`` (every roster rule,
    preview, all-or-nothing, 10,000+ rows/s), behind the ``members.import_member`` permission.
    Read-only otherwise: the roster rules and the encrypted ID are kept by ``members.services``
    (the member pages), never by a bare admin save."""

    resource_classes = [MemberResource]
    list_display = [
        "name",
        "masked_id",
        "organization",
        "category",
        "status",
        "eid_authenticated",
        "in_difficulty",
    ]
    list_filter = ["status", "category", "eid_authenticated", "in_difficulty"]
    search_fields = ["name", "phone", "organization__code"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    exclude = ["resident_id"]
    readonly_fields = ["masked_id", "created_at", "updated_at"]
    change_list_template = "admin/members/member/change_list.html"
    # Ours lists the roster import and the export itself (import-export's own shows its object
    # tools only to those who may add, and nobody adds a member here).
    import_export_change_list_template = None

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return obj.resident_id_masked

    def has_import_permission(self, request):
        return False  # django-import-export's own import is replaced by roster_import below

    def get_urls(self):
        return [
            path(
                "roster-import/",
                self.admin_site.admin_view(self.roster_import),
                name="members_member_roster_import",
            )
        ] + super().get_urls()

    def roster_import(self, request):
        if not request.user.has_perm("members.import_member"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        ctx = {**self.admin_site.each_context(request), "form": form, "headers": importing.HEADERS,
               "opts": self.model._meta, "title": _("导入党员花名册")}  # fmt: skip
        if request.method == "POST" and request.POST.get("token"):
            try:
                plan = services.roster_import_confirm(actor=request.user, token=request.POST["token"])
            except ValidationError as e:
                messages.error(request, "；".join(e.messages))
                return redirect(reverse("admin:members_member_roster_import"))
            if plan.ok:
                messages.success(
                    request,
                    "导入完成：新增 {new} 人，更新 {updated} 人，未变化 {unchanged} 人。".format(
                        **plan.counts
                    ),
                )
                return redirect(reverse("admin:members_member_changelist"))
            ctx["plan"] = plan
        elif request.method == "POST" and form.is_valid():
            try:
                plan, token = services.roster_import_preview(
                    actor=request.user, upload=form.cleaned_data["file"]
                )
                ctx.update(plan=plan, token=token, shown=plan.changes[:500] if plan.ok else [])
            except importing.ImportFileError as e:
                form.add_error("file", str(e))
        return TemplateResponse(request, "admin/members/member/roster_import.html", ctx)


class PioneerIndicatorInline(admin.TabularInline):
    model = PioneerIndicator
    extra = 0

    def _editable(self, obj):
        return obj is None or obj.status == SchemeStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(PioneerScheme)
class PioneerSchemeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "name", "version", "status", "published_at"]
    list_filter = ["year", "status"]
    inlines = [PioneerIndicatorInline]
    readonly_fields = ["status", "published_at"]
    actions = ["publish", "new_version"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != SchemeStatus.DRAFT:
            return False  # published schemes are never edited in place
        return super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        weights = sum(i.weight for i in form.instance.indicators.all() if not i.is_veto)
        if weights != 100:
            messages.warning(request, f"各指标分值之和为 {weights}，须为 100 才能发布。")

    @admin.action(description=_("发布所选方案（同年度原发布版本被取代）"))
    def publish(self, request, queryset):
        for s in queryset:
            try:
                services.pioneer_scheme_publish(actor=request.user, scheme=s)
                messages.success(request, f"已发布 {s}。")
            except ValidationError as e:
                messages.error(request, f"{s}：{'；'.join(e.messages)}")

    @admin.action(description=_("复制为新版本（草稿）"))
    def new_version(self, request, queryset):
        for s in queryset:
            new = services.pioneer_scheme_new_version(actor=request.user, scheme=s)
            messages.success(request, f"已创建 {new}，修改后发布。")


@admin.register(PioneerScore)
class PioneerScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["member", "year", "total", "stars", "vetoed"]
    list_select_related = ["member"]
    list_filter = ["year", "stars", "vetoed"]
    raw_id_fields = ["member"]
    readonly_fields = ["member", "scheme", "year", "total", "stars", "vetoed", "breakdown", "computed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["member", "visited_on", "visitor"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "visited_on"


@admin.register(CarePayment)
class CarePaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["member", "paid_on", "amount", "approver"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "paid_on"


from . import admin_life  # noqa: E402,F401  the issue 11 records (read-only), registered with the site
