"""Score run pages: list, start, detail, progress, retry, publish (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.paging import page_of
from branches.policy import Action, require

from . import selectors, services
from .models import (
    RunStatus,
    SchemeKind,
)
from .views_helpers import _fail, scoring_errors

# --- runs -------------------------------------------------------------------------------------------


def _admin_only(request):
    require(request.user, Action.RUN_JOBS)


@login_required
def runs(request):
    _admin_only(request)
    return render(
        request, "assessments/runs.html", {"runs": selectors.runs_list(), "kinds": SchemeKind.choices}
    )


@login_required
@require_POST
def run_start(request):
    _admin_only(request)
    period, kind = request.POST.get("period", ""), request.POST.get("kind", "")
    try:
        kinds = [kind] if kind else services.kinds_for_period(period)
        started = [services.run_start(actor=request.user, period=period, kind=k) for k in kinds]
    except scoring_errors as e:
        if isinstance(e, ValidationError):
            _fail(request, e)
        else:
            messages.error(request, str(e))
        return redirect("assessments:runs")
    messages.success(request, _("已开始计算 %(p)s。") % {"p": started[0].period})
    if len(started) == 1:
        return redirect("assessments:run_detail", run_id=started[0].pk)
    return redirect("assessments:runs")


@login_required
def run_detail(request, run_id: int):
    _admin_only(request)
    run = selectors.run_get(run_id=run_id)
    return render(
        request,
        "assessments/run_detail.html",
        {"run": run, "rows": page_of(request, selectors.run_results(run=run))},
    )


@login_required
def run_progress(request, run_id: int):
    _admin_only(request)
    run = selectors.run_get(run_id=run_id)
    return JsonResponse(
        {"status": run.status, "label": run.get_status_display(), "percent": run.progress_percent,
         "chunks_done": run.chunks_done, "chunks_total": run.chunks_total,
         "done": run.status not in (RunStatus.QUEUED, RunStatus.RUNNING)}
    )  # fmt: skip


@login_required
@require_POST
def run_retry(request, run_id: int):
    _admin_only(request)
    run = selectors.run_get(run_id=run_id)
    try:
        services.run_retry(actor=request.user, run=run)
        messages.success(request, _("已重新排队，将从中断处继续计算。"))
    except ValidationError as e:
        _fail(request, e)
    return redirect("assessments:run_detail", run_id=run.pk)


@login_required
@require_POST
def run_publish(request, run_id: int):
    _admin_only(request)
    run = selectors.run_get(run_id=run_id)
    try:
        if request.POST.get("step") == "notice":
            services.run_start_notice(actor=request.user, run=run)
            messages.success(request, _("已进入公示。"))
        else:
            services.run_publish(actor=request.user, run=run)
            messages.success(request, _("已发布，结果已冻结。"))
    except ValidationError as e:
        _fail(request, e)
    return redirect("assessments:run_detail", run_id=run.pk)
