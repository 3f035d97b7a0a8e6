"""Pilot pages: short functions — parse, call one selector/service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import params
from branches.exporting import xlsx_response
from branches.models import Level, Organization
from branches.paging import page_of
from branches.policy import Action, Scope, allows, may_anywhere, orgs_for, require, role_orgs, scope_for
from branches.scoping import get_visible_or_404
from config.downloads import UPLOAD_HEADERS, private_file_response

from . import selectors, services
from .forms import (
    RECORD_FORMS,
    ActivityForm,
    MatrixFilter,
    MeasureForm,
    MeetingForm,
    NoticeForm,
    PlanYearStartForm,
    ReportForm,
    ReviewForm,
)
from .models import (
    Brand,
    ChecklistItem,
    CollectiveIncome,
    Commitment,
    ItemStatus,
    MeetingDecision,
    Notice,
    NoticeAttachment,
    NoticeRecipient,
    Task,
    WeeklyMeeting,
)


def _month(request):
    return params.month(request, selectors.default_period)


def _year(request) -> int:
    return params.year(request, selectors.default_year)


def _next_url(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


# --- the monthly checklist ------------------------------------------------------------------------
@login_required
def checklist(request):
    period = _month(request)
    items = list(selectors.my_checklist(user=request.user, period=period))
    return render(
        request,
        "pilot/checklist.html",
        {"period": period, "items": items, "prev": services.month_start(period.replace(day=1) - timezone.timedelta(days=1)),
         "next": services.next_month(period), "today": timezone.localdate()},
    )  # fmt: skip


def _may_report(user, item) -> bool:
    """The unit reports on its own items; the level above reviews them and does not report for it."""
    return allows(user, Action.REPORT, item.organization)


def _item_context(request, item: ChecklistItem, form=None, review_form=None):
    reports, reviews = selectors.item_history(item=item)
    may_report = _may_report(request.user, item) and item.status != ItemStatus.ACCEPTED
    late = timezone.localdate() > item.due_date
    return {
        "item": item,
        "reports": reports,
        "reviews": reviews,
        "may_report": may_report,
        "may_review": item.status == ItemStatus.SUBMITTED and allows(request.user, Action.REVIEW, item),
        "form": form or (ReportForm(late=late, initial=_initial(reports)) if may_report else None),
        "review_form": review_form or ReviewForm(),
        "late": late,
    }


def _initial(reports) -> dict:
    if not reports:
        return {}
    r = reports[0]
    return {"state": r.state, "percent": r.percent, "narrative": r.narrative, "delay_reason": r.delay_reason}


@login_required
def item_detail(request, item_id: int):
    item = selectors.item_get(user=request.user, item_id=item_id)
    return render(request, "pilot/item_detail.html", _item_context(request, item))


def _errors_to_form(form, e: ValidationError):
    if hasattr(e, "error_dict"):
        for k, v in e.error_dict.items():
            form.add_error(k if k in form.fields else None, v)
    else:
        form.add_error(None, e)


@login_required
@require_POST
def item_review(request, item_id: int):
    item = selectors.item_get(user=request.user, item_id=item_id)
    require(request.user, Action.REVIEW, item)  # never the person who reported it
    form = ReviewForm(request.POST)
    back = _next_url(request, reverse("pilot:item_detail", kwargs={"item_id": item.pk}))
    if form.is_valid():
        try:
            services.report_review(actor=request.user, item=item, decision=form.cleaned_data["decision"],
                                   reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            messages.success(
                request, _("已通过。") if form.cleaned_data["decision"] == "accept" else _("已退回。")
            )
        return redirect(back)
    if request.POST.get("next"):
        messages.error(request, _("退回时请填写退回原因。"))
        return redirect(back)
    return render(
        request, "pilot/item_detail.html", _item_context(request, item, review_form=form), status=400
    )


@login_required
def evidence_file(request, evidence_id: int, variant: str = "file"):
    ev = selectors.evidence_get(user=request.user, evidence_id=evidence_id)
    f = ev.display if variant == "display" and ev.display else ev.file
    return _serve(f, ev.original_name, ev.mime if f is ev.file else "image/jpeg", inline=ev.kind == "image")


def _serve(f, name: str, mime: str, *, inline: bool):
    """Streamed by the app, or sent by nginx (X-Accel-Redirect) when PRIVATE_MEDIA_ACCEL_PREFIX is set."""
    return private_file_response(f, filename=name, content_type=mime, as_attachment=not inline,
                                 headers={**UPLOAD_HEADERS, "Cache-Control": "private, max-age=3600"})  # fmt: skip


# --- township matrix and city view ------------------------------------------------------------------
def _review_root(request) -> Organization:
    """The organization whose units the matrix shows: ``?org=`` or the user's own reviewer org."""
    org_id = request.GET.get("org")
    if org_id:
        org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    else:
        if not may_anywhere(request.user, Action.REVIEW):
            raise PermissionDenied
        org = role_orgs(request.user, Action.REVIEW).order_by("path").first() or (
            Organization.objects.visible_to(request.user).filter(depth=1).first()
        )
    if org is None or not scope_for(request.user, Action.REVIEW).contains(org):
        raise PermissionDenied
    return org


@login_required
def matrix(request):
    org = _review_root(request)
    f = MatrixFilter(request.GET or None)
    fd = f.cleaned_data if f.is_valid() else {}
    period = _month(request)
    if org.level in (Level.CITY, Level.COUNTY) and not request.GET.get("org"):
        return redirect(f"{reverse('pilot:city')}?{request.GET.urlencode()}")
    tasks, rows = selectors.matrix(user=request.user, org=org, period=period, domain=fd.get("domain", ""),
                                   element=fd.get("element", ""), status=fd.get("status", ""))  # fmt: skip
    return render(request, "pilot/matrix.html", {"org": org, "period": period, "tasks": tasks, "rows": rows,
                                                 "filter": f, "next": request.get_full_path()})  # fmt: skip


@login_required
def matrix_export(request):
    """The township's checklist for a month as .xlsx (export is its own permission, and logged)."""
    org = _review_root(request)
    require(request.user, Action.EXPORT, org)
    period = _month(request)
    headers = [_("组织代码"), _("党组织"), _("任务编号"), _("任务"), _("要素"), _("状态"), _("进度（%）"), _("截止日期"),
               _("最近报送"), _("通过时间"), _("逾期"), _("延期原因"), _("退回原因"), _("工作简述")]  # fmt: skip
    return xlsx_response(user=request.user, what=f"一月一清单 {org.name} {period:%Y-%m}", filename=f"checklist-{period:%Y%m}",
                         headers=headers, rows=selectors.checklist_export_rows(user=request.user, org=org, period=period),
                         filters={"org": org.pk, "month": f"{period:%Y-%m}"}, sheet=_("一月一清单"))  # fmt: skip


@login_required
@require_POST
def checklist_generate(request):
    """On demand: create this month's missing items for the reviewer's subtree (idempotent)."""
    org = _review_root(request)
    period = _month(request)
    n = services.checklist_generate(actor=request.user, period=period, scope=Scope.of(org))
    messages.success(
        request, _("已生成 %(m)s 清单：新增 %(n)s 项。") % {"m": period.strftime("%Y-%m"), "n": n}
    )
    return redirect(f"{reverse('pilot:matrix')}?org={org.pk}&month={period:%Y-%m}")


@login_required
def city(request):
    if not may_anywhere(request.user, Action.REVIEW):
        raise PermissionDenied
    f = MatrixFilter(request.GET or None)
    fd = f.cleaned_data if f.is_valid() else {}
    period = _month(request)
    rows = selectors.township_summary(user=request.user, period=period, domain=fd.get("domain", ""),
                                      element=fd.get("element", ""))  # fmt: skip
    return render(request, "pilot/city.html", {"rows": rows, "period": period, "filter": f})


# --- plan ------------------------------------------------------------------------------------------
@login_required
def plan(request):
    py = selectors.current_plan_year(_year(request) if request.GET.get("year") else None)
    goals = selectors.goal_attainment(user=request.user, plan_year=py) if py else []
    tasks = (
        list(Task.objects.visible_to(request.user).filter(plan_year=py).order_by("sort_order", "code"))
        if py
        else []
    )
    years = list(py.plan.years.all()) if py else []
    return render(request, "pilot/plan.html", {"py": py, "goals": goals, "tasks": tasks, "years": years,
                                               "can_start_year": may_anywhere(request.user, Action.ADMINISTER)})  # fmt: skip


@login_required
def plan_year_start(request):
    """启动新年度 (the department): copy a year's goals, tasks, schemes and standards as drafts."""
    require(request.user, Action.ADMINISTER)
    years = selectors.plan_years()
    latest = years[0] if years else None
    initial = {"source": latest.year, "year": latest.year + 1} if latest else {}
    form = PlanYearStartForm(request.POST or None, years=years, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        source = next(y for y in years if y.year == d["source"])
        try:
            done = services.plan_year_start(actor=request.user, source=source, year=d["year"], theme=d["theme"],
                                            summary=d["summary"])  # fmt: skip
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已启动 %(y)s 年度：复制年度目标 %(g)s 项、任务 %(t)s 项（未启用）、指标体系 %(s)s 套（草稿）、"
                                        "合格支部标准 %(st)s 套。请逐项修改后再启用任务、发布指标体系。")
                             % {"y": d["year"], "g": done["goals"], "t": done["tasks"], "s": done["schemes"],
                                "st": done["standards"]})  # fmt: skip
            return redirect(f"{reverse('pilot:plan')}?year={d['year']}")
    return render(
        request, "pilot/plan_year_start.html", {"form": form, "plan": latest.plan if latest else None}
    )


# --- pocketbook, economy, activities, centers, brands, honors, funding, meetings -------------------


@login_required
@require_POST
def commitment_add(request, org_id: int):
    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    content = request.POST.get("content", "").strip()
    year = _year(request)
    if not content:
        messages.error(request, _("请填写承诺事项。"))
    else:
        services.commitment_add(actor=request.user, organization=org, year=year,
                                content=content[:300])  # fmt: skip
        messages.success(request, _("已写入口袋书。"))
    return redirect(f"{reverse('pilot:pocketbook')}?year={year}")


@login_required
@require_POST
def commitment_update(request, commitment_id: int):
    c = get_visible_or_404(Commitment.objects.visible_to(request.user).select_related("organization"),
                           pk=commitment_id)  # fmt: skip
    try:
        pct = max(0, min(100, int(request.POST.get("percent", ""))))
    except ValueError:
        messages.error(request, _("进度须是 0 到 100 之间的整数。"))
        return redirect("pilot:pocketbook")
    services.commitment_progress(
        actor=request.user, commitment=c, percent=pct, note=request.POST.get("note", "")
    )
    messages.success(request, _("已更新承诺进度。"))
    return redirect(_next_url(request, reverse("pilot:pocketbook")))


@login_required
@require_POST
def measure_add(request, income_id: int):
    inc = get_visible_or_404(CollectiveIncome.objects.visible_to(request.user).select_related("organization"),
                             pk=income_id)  # fmt: skip
    require(request.user, Action.REVIEW, inc.organization)
    form = MeasureForm(request.POST)
    if form.is_valid():
        services.income_measure_add(actor=request.user, income=inc, **form.cleaned_data)
        messages.success(request, _("已添加措施。"))
    else:
        messages.error(request, _("请填写措施内容。"))
    return redirect(f"{reverse('pilot:economy')}?year={inc.year}")


@login_required
def activity_new(request, org_id: int):
    from members.models import Member

    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    roster = Member.objects.visible_to(request.user).current().filter(organization__path__startswith=org.path)
    form = ActivityForm(request.POST or None, roster=roster)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record(actor=request.user, organization=org, **form.cleaned_data)
        except ValidationError as e:
            _errors_to_form(form, e)
        else:
            messages.success(request, _("已记录活动。"))
            return redirect("pilot:activities")
    return render(
        request, "pilot/activity_form.html", {"form": form, "org": org}, status=400 if form.errors else 200
    )


@login_required
def record_new(request, kind: str, org_id: int):
    """Secretaries add a center project, an honor, an honor target or a funding record for their unit."""
    if kind not in RECORD_FORMS:
        raise Http404
    form_class, title, back = RECORD_FORMS[kind]
    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    form = form_class(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_create(actor=request.user, organization=org, obj=form.save(commit=False))
        except ValidationError as e:
            _errors_to_form(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect(back)
    return render(request, "pilot/record_form.html", {"form": form, "org": org, "title": title},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
def brand_detail(request, brand_id: int):
    qs = Brand.objects.visible_to(request.user).select_related("organization").prefetch_related("cases")
    brand = get_visible_or_404(qs, pk=brand_id)
    return render(request, "pilot/brand_detail.html",
                  {"brand": brand, "may_publish": allows(request.user, Action.REVIEW, brand),
                   "may_edit": allows(request.user, Action.MANAGE, brand.organization),
                   "draft": request.session.pop("brand_case_draft", {})})  # fmt: skip


@login_required
@require_POST
def brand_publish(request, brand_id: int):
    brand = get_visible_or_404(
        Brand.objects.visible_to(request.user).select_related("organization"), pk=brand_id
    )
    services.brand_publish(actor=request.user, brand=brand, publish=request.POST.get("publish") != "0")
    messages.success(request, _("已更新发布状态。"))
    return redirect("pilot:brand_detail", brand_id=brand.pk)


@login_required
def meetings(request):
    rows = page_of(request, WeeklyMeeting.objects.visible_to(request.user).select_related("organization")
                   .prefetch_related(Prefetch("decisions", MeetingDecision.objects.select_related("organization")))
                   .order_by("-held_on", "-id"), per_page=20)  # fmt: skip
    own = list(
        orgs_for(request.user, Action.MANAGE).filter(
            pk__in=selectors.own_org_ids(request.user), level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP]
        )
    )
    from .entry_services import assigned_decisions

    assigned = assigned_decisions(user=request.user)
    return render(request, "pilot/meetings.html", {"page": rows, "today": timezone.localdate(), "own": own,
                                                   "assigned": assigned, "assigned_ids": {d.pk for d in assigned}})  # fmt: skip


@login_required
def meeting_new(request, org_id: int):
    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    form = MeetingForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        services.meeting_record(actor=request.user, organization=org, **form.cleaned_data)
        messages.success(request, _("已记录例会。"))
        return redirect("pilot:meetings")
    return render(
        request, "pilot/meeting_form.html", {"form": form, "org": org}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def decision_close(request, decision_id: int):
    d = get_visible_or_404(MeetingDecision.objects.visible_to(request.user).select_related("organization"),
                           pk=decision_id)  # fmt: skip
    services.decision_close(actor=request.user, decision=d, result=request.POST.get("result", ""))
    messages.success(request, _("议定事项已办结。"))
    return redirect("pilot:meetings")


# --- notices ---------------------------------------------------------------------------------------
@login_required
def notices(request):
    own = selectors.own_org_ids(request.user)
    inbox = list(NoticeRecipient.objects.visible_to(request.user).filter(organization_id__in=own)
                 .select_related("notice", "organization", "notice__sender_org").order_by("-notice__sent_at")[:100])  # fmt: skip
    sent = list(Notice.objects.visible_to(request.user).filter(sender_org_id__in=own).annotate(
        n=Count("recipients"), read=Count("recipients", filter=Q(recipients__read_at__isnull=False)))[:100])  # fmt: skip
    senders = list(orgs_for(request.user, Action.MANAGE).filter(pk__in=own))
    return render(request, "pilot/notices.html", {"inbox": inbox, "sent": sent, "senders": senders})


@login_required
def notice_new(request, org_id: int):
    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    form = NoticeForm(request.POST or None, request.FILES or None, sender_org=org)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.notice_send(actor=request.user, sender_org=org, title=form.cleaned_data["title"],
                                     body=form.cleaned_data["body"], recipients=form.recipients(),
                                     files=form.cleaned_data["attachments"])  # fmt: skip
        except ValidationError as e:
            _errors_to_form(form, e)
        else:
            messages.success(request, _("通知已发送。"))
            return redirect("pilot:notice_detail", notice_id=n.pk)
    return render(
        request, "pilot/notice_form.html", {"form": form, "org": org}, status=400 if form.errors else 200
    )


@login_required
def notice_detail(request, notice_id: int):
    notice = get_visible_or_404(Notice.objects.visible_to(request.user).select_related("sender_org", "sender"),
                                pk=notice_id)  # fmt: skip
    services.notice_mark_read(actor=request.user, notice=notice)
    is_sender = allows(request.user, Action.SEE, notice.sender_org)
    recipients = list(notice.recipients.select_related("organization", "read_by").order_by("organization__path")) if is_sender else []  # fmt: skip
    return render(request, "pilot/notice_detail.html", {
        "notice": notice, "attachments": list(notice.attachments.all()), "recipients": recipients,
        "unread": [r for r in recipients if not r.read_at], "read": [r for r in recipients if r.read_at]})  # fmt: skip


@login_required
def notice_attachment(request, attachment_id: int):
    visible = Notice.objects.visible_to(request.user).values("pk")
    att = get_visible_or_404(NoticeAttachment.objects.filter(notice_id__in=visible), pk=attachment_id)
    return _serve(att.file, att.original_name, att.mime, inline=False)


@login_required
def evidence_display(request, evidence_id: int):
    return evidence_file(request, evidence_id, variant="display")
