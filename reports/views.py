"""Short views: parse, call one selector/service, render. Access: a unit downloads its own report,
a township its units', the department all (``Organization.objects.visible_to``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import params
from branches.exporting import attachment, xlsx_response
from branches.models import Level, Organization
from branches.policy import Action, allows, orgs_for
from branches.scoping import get_visible_or_404
from config.downloads import private_file_response

from . import charts, dashboards, selectors, services
from .models import ReportBatch, TownshipArchive


def _year(request) -> int:
    return params.year(request, selectors.default_year)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    return attachment(HttpResponse(data, content_type="application/pdf"), filename)


@login_required
def dashboard(request):
    org = Organization.objects.visible_to(request.user).order_by("depth", "path").first()
    if org is None:
        return render(request, "reports/dashboard.html", {"org": None, "year": _year(request)})
    return redirect(f"{reverse('reports:dashboard_org', args=[org.pk])}?year={_year(request)}")


@login_required
def dashboard_org(request, org_id: int):
    org = selectors.org_get(user=request.user, org_id=org_id)
    year = _year(request)
    data = dashboards.dashboard_cached(user=request.user, org=org, year=year)
    return render(
        request,
        "reports/dashboard.html",
        {
            **data,
            "charts": charts.dashboard_charts(data),
            "can_export": allows(request.user, Action.EXPORT, org),
            "is_summary_level": org.level in (Level.CITY, Level.COUNTY, Level.TOWNSHIP),
            "is_unit": org.level == Level.UNIT,
            "years": range(year - 2, year + 2),
        },
    )


TABLES = {
    "township": ("by_township", "全地域-各乡镇"),
    "domain": ("by_domain", "全领域-各领域"),
    "element": ("by_element", "全要素-五个要素"),
    "function": ("by_function", "全功能-两项功能"),
}


@login_required
def dashboard_export(request, org_id: int, table: str):
    org = selectors.org_get(user=request.user, org_id=org_id)
    if table not in TABLES and table != "units":
        raise Http404
    if not allows(request.user, Action.EXPORT, org):
        raise PermissionDenied
    year = _year(request)
    data = dashboards.dashboard(user=request.user, org=org, year=year)
    if table == "units":
        headers = [
            _("单位"),
            _("组织代码"),
            _("乡镇（街道）"),
            _("领域"),
            _("已完成"),
            _("逾期"),
            _("未完成"),
            _("完成率（%）"),
        ]
        rows = [
            [
                r["name"],
                r["code"],
                r["township"],
                r["domain"],
                r["done"],
                r["late"],
                r["open"],
                r["rate"],
            ]
            for r in data["units"]
        ]
        label = "各单位进度"
    else:
        key, label = TABLES[table]
        headers = [
            _("名称"),
            _("单位数"),
            _("清单事项"),
            _("已完成"),
            _("逾期"),
            _("完成率（%）"),
            _("平均得分"),
        ]
        rows = [[s.label, s.units, s.total, s.done, s.late, s.rate, s.avg_score] for s in data[key]]
    return xlsx_response(
        user=request.user,
        what=f"四全看板：{label}（{org.name}，{year}年）",
        filename=f"{org.name}-{year}-{label}",
        headers=headers,
        rows=rows,
        filters={"org": org.pk, "year": year, "table": table},
        sheet=label,
    )


@login_required
def rankings_export(request, org_id: int):
    org = selectors.org_get(user=request.user, org_id=org_id)
    if not allows(request.user, Action.EXPORT, org):
        raise PermissionDenied
    year = _year(request)
    rows = selectors.rankings(user=request.user, org=org, year=year)
    return xlsx_response(
        user=request.user,
        what=f"年度考核排名（{org.name}，{year}年）",
        filename=f"{org.name}-{year}-考核排名",
        headers=[_("名次"), _("单位"), _("乡镇（街道）"), _("领域"), _("得分"), _("星级"), _("等次")],
        rows=[
            [r["rank"], r["name"], r["township"], r["domain"], r["score"], r["stars"], r["grade"]]
            for r in rows
        ],
        filters={"org": org.pk, "year": year},
        sheet="考核排名",
    )


@login_required
def unit_report(request, org_id: int):
    org = selectors.unit_get(user=request.user, org_id=org_id)
    year = _year(request)
    return _pdf(
        services.unit_report_pdf(user=request.user, org=org, year=year), f"{year}年度考核报告-{org.name}.pdf"
    )


@login_required
def summary_report(request, org_id: int):
    org = selectors.org_get(user=request.user, org_id=org_id)
    if org.level not in (Level.CITY, Level.COUNTY, Level.TOWNSHIP):
        raise Http404
    year = _year(request)
    data = services.summary_pdf(user=request.user, org=org, year=year)
    return _pdf(data, f"{year}年度考核汇总报告-{org.name}.pdf")


@login_required
def batch_list(request):
    startable = list(
        orgs_for(request.user, Action.RUN_REPORTS)
        .filter(level__in=[Level.CITY, Level.TOWNSHIP])
        .order_by("depth", "path")[:50]
    )
    return render(
        request,
        "reports/batch_list.html",
        {
            "batches": ReportBatch.objects.visible_to(request.user).select_related("organization")[:20],
            "archives": TownshipArchive.objects.visible_to(request.user)
            .select_related("organization", "batch")
            .order_by("-batch__created_at", "organization__path")[:100],
            "startable": startable,
            "year": _year(request),
        },
    )


@login_required
@require_POST
def batch_start(request):
    org = selectors.org_get(user=request.user, org_id=request.POST.get("org") or 0)
    try:
        batch = services.batch_start(actor=request.user, org=org, year=_year(request))
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return redirect("reports:batch_list")
    return redirect("reports:batch_detail", batch.pk)


def _batch_get(user, batch_id) -> ReportBatch:
    return get_visible_or_404(
        ReportBatch.objects.visible_to(user).select_related("organization"), pk=batch_id
    )


@login_required
def batch_detail(request, batch_id: int):
    batch = _batch_get(request.user, batch_id)
    return render(
        request,
        "reports/batch_detail.html",
        {
            "batch": batch,
            "progress": services.batch_progress(batch),
            "archives": TownshipArchive.objects.visible_to(request.user)
            .filter(batch=batch)
            .select_related("organization"),
            "failures": batch.files.filter(status="failed").select_related("organization")[:50],
            "can_run": allows(request.user, Action.RUN_REPORTS, batch.organization),
        },
    )


@login_required
def batch_progress(request, batch_id: int):
    batch = _batch_get(request.user, batch_id)
    return JsonResponse(services.batch_progress(batch))


@login_required
@require_POST
def batch_resume(request, batch_id: int):
    batch = _batch_get(request.user, batch_id)
    try:
        sent = services.batch_resume(actor=request.user, batch=batch)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        if sent:
            messages.success(request, _("已继续生成 %(n)s 份报告。") % {"n": sent})
        else:
            messages.success(request, _("报告已全部生成，正在重新打包。"))
    return redirect("reports:batch_detail", batch.pk)


@login_required
def archive_download(request, archive_id: int):
    arc = get_visible_or_404(TownshipArchive.objects.visible_to(request.user).select_related("organization", "batch"),
                             pk=archive_id)  # fmt: skip
    name = f"{arc.batch.year}年度考核报告-{arc.organization.name}.zip"
    # nginx sends it when PRIVATE_MEDIA_ACCEL_PREFIX says it is in front; otherwise streamed
    return private_file_response(arc.file, filename=name, content_type="application/zip")
