"""Supervision pages: findings, inspections, contacts, standards, duty reports (督查整改)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import params
from branches.paging import page_of
from branches.policy import Action, allows, require
from branches.scoping import get_visible_or_404, org_for_user_or_404
from config.downloads import UPLOAD_HEADERS, private_file_response

from . import selectors, services
from .models import (
    Appeal,
    DutyReport,
    Finding,
    FindingStatus,
    Inspection,
    Severity,
    StandardCheck,
    StandardItem,
    StandardStatus,
)
from .views_helpers import _fail

# --- supervision -------------------------------------------------------------------------------------


@login_required
def findings(request):
    org = None
    if request.GET.get("org"):
        org = org_for_user_or_404(request.user, request.GET["org"])
    period = params.period(request, "")
    status = params.choice(request, "status", ("overdue", *FindingStatus.values), label=_("状态"))
    q = params.search(request)
    rows = page_of(
        request, selectors.findings_query(user=request.user, org=org, status=status, period=period, q=q)
    )
    years = Finding.objects.visible_to(request.user).order_by().dates("found_on", "year")
    return render(request, "assessments/findings.html", {
        "rows": rows, "org": org, "status": status, "period": period, "periods": params.periods_of_years(years, keep=period),
        "q": q, "statuses": FindingStatus.choices, "today": timezone.localdate(),
        "may_inspect": bool(org) and allows(request.user, Action.INSPECT, org),
    })  # fmt: skip


@login_required
def finding_detail(request, finding_id: int):
    f = selectors.finding_get(user=request.user, finding_id=finding_id)
    appeals = list(f.appeals.select_related("filed_by", "ruled_by"))
    for a in appeals:  # never the person who filed it (separation of duties)
        a.may_rule = allows(request.user, Action.RULE_APPEAL, a)
    ctx = {
        "f": f,
        "events": list(f.events.select_related("actor")),
        "appeals": appeals,
        "can_answer": allows(request.user, Action.MANAGE, f.organization) and f.status == FindingStatus.OPEN,
        "can_verify": allows(request.user, Action.VERIFY, f),
        "can_rule": allows(request.user, Action.RULE_APPEAL, f.organization),
        "reasons": Appeal.Reason.choices,
        "overdue": f.is_overdue(),
    }
    return render(request, "assessments/finding_detail.html", ctx)


@login_required
@require_POST
def finding_action(request, finding_id: int, action: str):
    f = selectors.finding_get(user=request.user, finding_id=finding_id)
    p = request.POST
    try:
        if action == "answer":
            services.finding_answer(
                actor=request.user,
                finding=f,
                answer=p.get("answer", ""),
                evidence=request.FILES.get("evidence"),
            )
        elif action == "verify":
            services.finding_verify(
                actor=request.user, finding=f, accept=p.get("accept") == "1", note=p.get("note", "")
            )
        elif action == "appeal":
            d = p.get("proposed_deadline") or None
            services.appeal_file(actor=request.user, finding=f, reason_kind=p.get("reason_kind", ""), reason=p.get("reason", ""),
                                 proposed_wording=p.get("proposed_wording", ""), proposed_deadline=date.fromisoformat(d) if d else None)  # fmt: skip
        elif action == "rule":
            appeal = get_visible_or_404(f.appeals.all(), pk=p.get("appeal"))
            services.appeal_rule(
                actor=request.user, appeal=appeal, uphold=p.get("uphold") == "1", note=p.get("note", "")
            )
        else:
            raise Http404
        messages.success(request, _("已保存。"))
    except ValidationError as e:
        _fail(request, e)
    except ValueError:
        messages.error(request, _("日期格式应为 2023-09-30。"))
    return redirect("assessments:finding_detail", finding_id=f.pk)


@login_required
def finding_file(request, finding_id: int, which: str):
    """The finding's photo or the unit's evidence, to those who may see the finding only."""
    f = selectors.finding_get(user=request.user, finding_id=finding_id)
    stored = {"photo": f.photo, "evidence": f.evidence}.get(which)
    if not stored:
        raise Http404
    ext = stored.name.rsplit(".", 1)[-1].lower()
    image = ext in ("jpg", "jpeg", "png")
    mime = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}.get(
        ext, "application/octet-stream"
    )
    return private_file_response(stored, filename=f"{which}-{f.pk}.{ext}", content_type=mime, as_attachment=not image,
                                 headers={**UPLOAD_HEADERS, "Cache-Control": "private, max-age=3600"})  # fmt: skip


@login_required
def inspect(request, org_id: int):
    org = org_for_user_or_404(request.user, org_id)
    require(request.user, Action.INSPECT, org)
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "deadline": "",
        "problem": "",
        "owner": org.secretary_name,
        "notes": "",
    }
    if request.method == "POST":
        p = request.POST
        form = {
            k: p.get(k, "")
            for k in ("visited_on", "deadline", "problem", "owner", "notes", "visit", "method", "severity")
        }
        try:
            visited = date.fromisoformat(form["visited_on"])
            found = []
            if form["problem"].strip():
                found = [{"problem": form["problem"], "deadline": date.fromisoformat(form["deadline"]), "owner": form["owner"],
                          "severity": form["severity"] or "general", "photo": request.FILES.get("photo")}]  # fmt: skip
            ins = services.inspection_record(actor=request.user, organization=org, visited_on=visited, visit=form["visit"] or "announced",
                                             method=form["method"] or "problem", notes=form["notes"], findings=found)  # fmt: skip
            messages.success(request, _("督查记录已保存。"))
            return redirect(reverse("assessments:findings") + f"?org={ins.organization_id}")
        except ValueError:
            messages.error(request, _("日期格式应为 2023-09-30（督查日期、整改期限）。"))
        except ValidationError as e:
            _fail(request, e)
    return render(
        request, "assessments/inspect.html",
        {"org": org, "form": form, "visits": Inspection.Visit.choices, "methods": Inspection.Method.choices, "severities": Severity.choices},
    )  # fmt: skip


@login_required
def contacts(request):
    return render(request, "assessments/contacts.html", {"rows": selectors.contact_units(user=request.user)})


@login_required
def standards(request, org_id: int):
    org = org_for_user_or_404(request.user, org_id)
    year = params.year(
        request, lambda: params.latest(selectors.standard_years(domain=org.domain), timezone.localdate().year)
    )
    if request.method == "POST":
        try:
            item = StandardItem.objects.get(
                pk=request.POST.get("item"),
                standard__domain=org.domain,
                standard__status=StandardStatus.PUBLISHED,
            )
            met = request.POST.get("met") == "1"
            if request.POST.get("step") == "verify":
                chk = get_visible_or_404(
                    StandardCheck.objects.visible_to(request.user), item=item, organization=org
                )
                services.standard_verify(
                    actor=request.user, check=chk, met=met, note=request.POST.get("note", "")
                )
            else:
                services.standard_self_check(
                    actor=request.user,
                    organization=org,
                    item=item,
                    met=met,
                    note=request.POST.get("note", ""),
                )
            messages.success(request, _("已保存。"))
        except (StandardItem.DoesNotExist, ValueError):
            raise Http404 from None
        except ValidationError as e:
            _fail(request, e)
        return redirect(reverse("assessments:standards", args=[org.pk]) + f"?year={year}")
    rows = selectors.standards_for(user=request.user, org=org, year=year)
    return render(
        request, "assessments/standards.html",
        {"org": org, "year": year, "rows": rows, "can_self": allows(request.user, Action.MANAGE, org), "can_verify": allows(request.user, Action.REVIEW, org)},
    )  # fmt: skip


@login_required
def duty_edit(request, org_id: int):
    org = org_for_user_or_404(request.user, org_id)
    year = timezone.localdate().year
    rep = DutyReport.objects.visible_to(request.user).filter(organization=org).order_by("-year").first()
    form = {
        "title": rep.title if rep else f"{year}年度抓基层党建工作述职报告",
        "body": rep.body if rep else "",
        "year": rep.year if rep else year,
    }
    if request.method == "POST":
        if not allows(request.user, Action.MANAGE, org):
            raise PermissionDenied
        form = {
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "year": request.POST.get("year", year),
        }
        try:
            services.duty_report_save(
                actor=request.user,
                organization=org,
                year=int(form["year"]),
                title=form["title"],
                body=form["body"],
            )
            messages.success(request, _("述职报告已保存，已在本单位公开页面展示。"))
            return redirect("assessments:duty_edit", org_id=org.pk)
        except ValueError:
            messages.error(request, _("年度应为四位数字。"))
        except ValidationError as e:
            _fail(request, e)
    return render(
        request,
        "assessments/duty_edit.html",
        {"org": org, "form": form, "report": rep, "can_edit": allows(request.user, Action.MANAGE, org)},
    )
