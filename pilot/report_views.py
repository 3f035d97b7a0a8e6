"""The item report (进度报送) POST: a page for browsers without script, JSON for static/js/report.js.

The script posts the same form with ``Accept: application/json`` (straight away, or later from
the phone's outbox when the network returns) and gets back where to go, or which files were
refused and why, so it can keep the other files chosen.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import ReportForm
from .views import _errors_to_form, _item_context, _may_report


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_errors(form) -> list[str]:
    out = [str(e) for e in form.non_field_errors()]
    for name, errs in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else ""
        out.extend(f"{label}：{e}" if label else str(e) for e in errs)
    return out


@login_required
@require_POST
def item_report(request, item_id: int):
    item = selectors.item_get(user=request.user, item_id=item_id)
    if not _may_report(request.user, item):
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES, late=timezone.localdate() > item.due_date)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.report_submit(actor=request.user, item=item, state=d["state"], percent=d["percent"],
                                   narrative=d["narrative"], delay_reason=d["delay_reason"], files=d["files"],
                                   idempotency_key=d["idempotency_key"] or None)  # fmt: skip
        except ValidationError as e:
            _errors_to_form(form, e)
        else:
            done = _("已报送“%(task)s”，等待上级审核。") % {"task": item.task.title}
            messages.success(request, done)
            url = reverse("pilot:item_detail", kwargs={"item_id": item.pk})
            if _wants_json(request):
                return JsonResponse({"ok": True, "redirect": url, "message": done})
            return redirect(url)
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": _form_errors(form), "refused": form.refused}, status=400)
    ctx = _item_context(request, item, form=form)
    ctx["form_errors"] = _form_errors(form)
    return render(request, "pilot/item_detail.html", ctx, status=400)
