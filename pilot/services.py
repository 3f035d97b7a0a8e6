"""Writes for the pilot: the monthly checklist job, progress reports, reviews, notices and the rest.

Every service is atomic, takes ``actor=`` for the audit trail and checks the actor's right to
act through ``branches.policy`` (``PermissionDenied`` → 403).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization, OrgStatus
from branches.policy import CITY, Action, Scope, require, role_orgs
from config.dbstats import analyze_after_bulk_load

from .evidence import CheckedFile
from .models import (
    Activity,
    AnnualGoal,
    Brand,
    ChecklistItem,
    Commitment,
    DecisionStatus,
    Evidence,
    IncomeMeasure,
    ItemStatus,
    MeetingDecision,
    Notice,
    NoticeAttachment,
    NoticeRecipient,
    Plan,
    PlanYear,
    ProgressReport,
    ProgressState,
    Review,
    ReviewDecision,
    Task,
    WeeklyMeeting,
)

log = logging.getLogger(__name__)


# --- periods --------------------------------------------------------------------------------------
def month_start(d: date) -> date:
    return d.replace(day=1)


def parse_month(value: str | None, *, default: date | None = None) -> date:
    """'2023-07' → date(2023, 7, 1); raises ValueError on anything else."""
    if not value:
        return month_start(default or timezone.localdate())
    y, m = str(value).strip().split("-")[:2]
    return date(int(y), int(m), 1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


# --- the monthly checklist (一月一清单) ----------------------------------------------------------
def _insert_items_sql(task: Task, period: date, scope: Scope) -> tuple[str, list]:
    item_t = ChecklistItem._meta.db_table
    org_t = Organization._meta.db_table
    excl_t = Task.excluded_orgs.through._meta.db_table
    ops = connection.ops
    params: list = [
        task.pk,
        ops.adapt_datefield_value(period),
        ops.adapt_datefield_value(task.due_in(period)),
        ItemStatus.PENDING,
        False,
        ops.adapt_datetimefield_value(timezone.now()),
        OrgStatus.ACTIVE,
    ]
    levels = task.effective_levels
    where = ["o.status = %s", f"o.level IN ({', '.join(['%s'] * len(levels))})"]
    params += levels
    if not task.is_common and task.domains:
        where.append(f"o.domain IN ({', '.join(['%s'] * len(task.domains))})")
        params += list(task.domains)
    where.append(f"o.id NOT IN (SELECT e.organization_id FROM {excl_t} e WHERE e.task_id = %s)")
    params.append(task.pk)
    in_scope, scope_params = scope.sql("o.path")
    where.append(in_scope)
    params += scope_params
    sql = (
        f"INSERT INTO {item_t} (organization_id, task_id, period, due_date, status, percent, is_late, "
        f"delay_reason, return_reason, created_at) "
        f"SELECT o.id, %s, %s, %s, %s, 0, %s, '', '', %s FROM {org_t} o WHERE {' AND '.join(where)} "
        f"ON CONFLICT (organization_id, task_id, period) DO NOTHING"
    )
    return sql, params


def checklist_generate(*, actor=None, period: date, scope: Scope = CITY) -> int:
    """Create the missing checklist items of ``period`` (idempotent; one INSERT … SELECT per task).

    ``scope`` limits the run to those subtrees (on demand for a township); the default is the
    whole city. Returns the number of items created — 0 on a rerun.
    """
    period = month_start(period)
    created = 0
    tasks = [t for t in Task.objects.active().filter(plan_year__year=period.year).select_related("plan_year")
             if t.applies_in(period)]  # fmt: skip
    with transaction.atomic():
        with connection.cursor() as cur:
            for task in tasks:
                sql, params = _insert_items_sql(task, period, scope)
                cur.execute(sql, params)
                created += max(cur.rowcount, 0)
        if created:
            ChecklistItem.objects.filter(period=period).mark_late()
        analyze_after_bulk_load(ChecklistItem, rows=created)
    log.info("checklist %s: %s items created", period.strftime("%Y-%m"), created)
    return created


def checklist_mark_overdue(*, today: date | None = None) -> int:
    """Items still open after their due date are late (set-based, safe to rerun)."""
    return ChecklistItem.objects.mark_late(today)


# --- progress reports -----------------------------------------------------------------------------
@transaction.atomic
def report_submit(
    *,
    actor,
    item: ChecklistItem,
    state: str,
    percent: int,
    narrative: str,
    delay_reason: str = "",
    files: list[CheckedFile] = (),
    idempotency_key: str | None = None,
    now=None,
) -> ProgressReport:
    """A secretary reports on an item (进度报送). A repeated ``idempotency_key`` returns the first report."""
    if idempotency_key:
        existing = ProgressReport.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    item = ChecklistItem.objects.select_for_update().select_related("organization").get(pk=item.pk)
    require(actor, Action.REPORT, item.organization)  # the unit itself, not the level above
    if item.status == ItemStatus.ACCEPTED:
        raise ValidationError(_("该事项已审核通过，不能再修改。"))
    now = now or timezone.now()
    late = timezone.localtime(now).date() > item.due_date
    if late and not delay_reason.strip():
        raise ValidationError({"delay_reason": _("已超过截止日期，请填写延期原因。")})
    if state == ProgressState.DONE:
        percent = 100
        if not narrative.strip() and files:  # done with a photo: three taps, nothing to type
            narrative = _("已完成，见所附照片。")
    report = ProgressReport(
        item=item, author=actor, created_at=now, state=state, percent=percent, narrative=narrative.strip(),
        delay_reason=delay_reason.strip(), is_late=late, idempotency_key=idempotency_key or None,
    )  # fmt: skip
    report.full_clean(exclude=["idempotency_key"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same key raced in from a double tap
        return ProgressReport.objects.get(idempotency_key=idempotency_key)
    for f in files:
        main, disp = f.stored()
        ev = Evidence(report=report, organization=item.organization, original_name=f.original_name,
                      kind=f.kind, mime=f.mime, size=len(f.content), uploaded_at=now)  # fmt: skip
        ev.file.save(main.name, main, save=False)
        if disp is not None:
            ev.display.save(disp.name, disp, save=False)
        ev.save()
    before = item.status
    item.status = ItemStatus.SUBMITTED
    item.percent = report.percent
    item.submitted_at = item.submitted_at or now
    item.last_submitted_at = now
    item.is_late = item.is_late or late
    if report.delay_reason:
        item.delay_reason = report.delay_reason
    item.save(
        update_fields=["status", "percent", "submitted_at", "last_submitted_at", "is_late", "delay_reason"]
    )
    audit_record(actor=actor, action="report_submit", obj=item, organization=item.organization,
                 changes={"status": [before, item.status], "percent": [None, item.percent],
                          "files": [None, len(files)]})  # fmt: skip
    return report


@transaction.atomic
def report_review(*, actor, item: ChecklistItem, decision: str, reason: str = "", now=None) -> Review:
    """The level above accepts or returns (with a reason) the latest report."""
    item = ChecklistItem.objects.select_for_update().select_related("organization").get(pk=item.pk)
    require(actor, Action.REVIEW, item)  # never the person who reported it
    if item.status != ItemStatus.SUBMITTED:
        raise ValidationError(_("该事项当前不是“待审核”状态，可能已被他人处理。"))
    reason = reason.strip()
    if decision == ReviewDecision.RETURN and not reason:
        raise ValidationError({"reason": _("退回时请填写退回原因。")})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("审核结果无效。")})
    now = now or timezone.now()
    review = Review(
        item=item, report=item.reports.first(), reviewer=actor, decision=decision, reason=reason, at=now
    )
    review.full_clean()
    review.save()
    before = item.status
    if decision == ReviewDecision.ACCEPT:
        item.status, item.accepted_at, item.return_reason = ItemStatus.ACCEPTED, now, ""
    else:
        item.status, item.returned_at, item.return_reason = ItemStatus.RETURNED, now, reason
    item.reviewed_by = actor
    item.save(update_fields=["status", "accepted_at", "returned_at", "return_reason", "reviewed_by"])
    audit_record(actor=actor, action=f"report_{decision}", obj=item, organization=item.organization,
                 changes={"status": [before, item.status], "reason": [None, reason]})  # fmt: skip
    if decision == ReviewDecision.RETURN:
        from notifications.services import notify_on_commit
        from notifications.sources import returned_event

        notify_on_commit([returned_event(review.pk, item.pk, item.organization_id, item.task.title, item.period,
                                         reason)])  # fmt: skip
    return review


# --- notices (通知) -----------------------------------------------------------------------------
@transaction.atomic
def notice_send(
    *, actor, sender_org: Organization, title: str, body: str, recipients, files: list[CheckedFile] = ()
) -> Notice:
    """Send a notice to chosen organizations below ``sender_org``."""
    require(actor, Action.MANAGE, sender_org)
    orgs = list(recipients)
    if not orgs:
        raise ValidationError({"recipients": _("请至少选择一个接收组织。")})
    outside = [o.name for o in orgs if not o.path.startswith(sender_org.path) or o.pk == sender_org.pk]
    if outside:
        raise ValidationError(
            {"recipients": _("只能发给本组织的下级组织：%(n)s") % {"n": "、".join(outside[:5])}}
        )
    notice = Notice(sender_org=sender_org, sender=actor, title=title.strip(), body=body.strip())
    notice.full_clean()
    notice.save()
    NoticeRecipient.objects.bulk_create(
        [NoticeRecipient(notice=notice, organization=o) for o in orgs], batch_size=1000
    )
    for f in files:
        main, _disp = f.stored()
        att = NoticeAttachment(notice=notice, original_name=f.original_name, mime=f.mime, size=len(f.content))
        att.file.save(main.name, main, save=False)
        att.save()
    audit_record(actor=actor, action="notice_send", obj=notice, organization=sender_org,
                 changes={"recipients": [None, len(orgs)]})  # fmt: skip
    return notice


def notice_mark_read(*, actor, notice: Notice) -> int:
    """Mark the notice read for the recipient organizations whose secretary (or department) the
    actor is (idempotent). An inspector or leader reading it marks nothing: they do not act for
    the units they follow."""
    own = role_orgs(actor, Action.MANAGE)
    return NoticeRecipient.objects.filter(notice=notice, read_at__isnull=True, organization__in=own).update(
        read_at=timezone.now(), read_by=actor
    )


# --- the rest: small writes used by views, demo and admin ----------------------------------------
def _save_new(obj, *, actor, action: str, organization):
    require(actor, Action.MANAGE, organization)
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, action=action, obj=obj, organization=organization)
    return obj


@transaction.atomic
def activity_record(*, actor, organization: Organization, kind: str, held_on: date, topic: str,
                    notes: str = "", attendees=()) -> Activity:  # fmt: skip
    """Record a 主题党日 / 三会一课 / 组织生活会 with attendance taken from the roster."""
    from members.models import Member

    roster = Member.objects.current().filter(organization__path__startswith=organization.path)
    expected = roster.count()
    ids = [m.pk for m in attendees]
    valid = set(roster.filter(pk__in=ids).values_list("pk", flat=True))
    if len(valid) != len(set(ids)):
        raise ValidationError({"attendees": _("参加人员须是本组织花名册中的党员。")})
    act = Activity(organization=organization, kind=kind, held_on=held_on, topic=topic.strip(), notes=notes,
                   expected=expected, attended=len(valid), created_by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
    _save_new(act, actor=actor, action="activity_record", organization=organization)
    act.attendees.set(valid)
    return act


@transaction.atomic
def income_measure_add(*, actor, income, content: str, owner: str = "", due_date=None) -> IncomeMeasure:
    """The township's measure (措施) for a village below its collective-income target."""
    require(actor, Action.REVIEW, income.organization)
    m = IncomeMeasure(income=income, organization=income.organization, content=content.strip(), owner=owner,
                      due_date=due_date)  # fmt: skip
    m.full_clean()
    m.save()
    audit_record(actor=actor, action="income_measure_add", obj=m, organization=income.organization)
    return m


@transaction.atomic
def record_create(*, actor, organization: Organization, obj):
    """Save a small record (center project, honor, honor target, funding) for ``organization``."""
    obj.organization = organization
    return _save_new(obj, actor=actor, action=f"{obj._meta.model_name}_create", organization=organization)


@transaction.atomic
def commitment_add(
    *, actor, organization: Organization, year: int, content: str, due_date=None
) -> Commitment:
    """A secretary writes a commitment into the pocketbook (书记责任口袋书)."""
    c = Commitment(organization=organization, year=year, content=content.strip(), due_date=due_date,
                   secretary_name=organization.secretary_name or getattr(actor, "get_full_name", lambda: "")() or "书记")  # fmt: skip
    return _save_new(c, actor=actor, action="commitment_add", organization=organization)


@transaction.atomic
def commitment_progress(*, actor, commitment: Commitment, percent: int, note: str = "") -> Commitment:
    require(actor, Action.MANAGE, commitment.organization)
    before = commitment.percent
    commitment.percent = percent
    commitment.progress_note = note.strip()
    commitment.fulfilled = percent >= 100
    commitment.full_clean()
    commitment.save()
    audit_record(actor=actor, action="commitment_progress", obj=commitment, organization=commitment.organization,
                 changes={"percent": [before, percent]})  # fmt: skip
    return commitment


@transaction.atomic
def meeting_record(*, actor, organization: Organization, held_on: date, topic: str, minutes: str = "",
                   attendees: str = "", decisions=()) -> WeeklyMeeting:  # fmt: skip
    """Record a weekly meeting (一周一例会) with its decisions, each a tracked item.

    ``decisions``: ``(content, owner, due_date[, organization])`` tuples; the responsible
    organization is the meeting's own unless one in its subtree is named (交办): that township or
    unit sees the decision on its home until it reports it done.
    """
    m = WeeklyMeeting(organization=organization, held_on=held_on, topic=topic.strip(), minutes=minutes,
                      attendees=attendees, created_by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
    _save_new(m, actor=actor, action="meeting_record", organization=organization)
    rows = []
    for c, o, d, *rest in decisions:
        assignee = (rest[0] if rest else None) or organization
        if not assignee.path.startswith(organization.path):
            raise ValidationError({"decisions": _("责任单位须在本级所辖范围内。")})
        rows.append(MeetingDecision(meeting=m, organization=assignee, content=c, owner=o, due_date=d))
    for r in rows:
        r.full_clean()
    MeetingDecision.objects.bulk_create(rows)
    for r in rows:
        if r.organization_id != organization.pk:
            audit_record(actor=actor, action="decision.assign", obj=r, organization=r.organization,
                         changes={"content": r.content, "due_date": str(r.due_date)})  # fmt: skip
    return m


@transaction.atomic
def decision_close(*, actor, decision: MeetingDecision, result: str) -> MeetingDecision:
    """Close a weekly-meeting decision (议定事项办结)."""
    require(actor, Action.MANAGE, decision.organization)
    if decision.status == DecisionStatus.DONE:
        return decision
    decision.status, decision.done_on, decision.result = (
        DecisionStatus.DONE,
        timezone.localdate(),
        result.strip(),
    )
    decision.full_clean()
    decision.save()
    audit_record(actor=actor, action="decision_close", obj=decision, organization=decision.organization)
    return decision


@transaction.atomic
def brand_publish(*, actor, brand: Brand, publish: bool = True) -> Brand:
    """Publish a brand to the city-wide showcase (由点到面全面宣传) — the level above decides."""
    require(actor, Action.REVIEW, brand)  # the level above, never the brand's own author
    brand.published_at = timezone.now() if publish else None
    brand.save(update_fields=["published_at"])
    audit_record(actor=actor, action="brand_publish" if publish else "brand_unpublish", obj=brand,
                 organization=brand.organization)  # fmt: skip
    return brand


# --- a new year (新年度) ----------------------------------------------------------------------------
def _same_day_in(d: date, year: int) -> date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


@transaction.atomic
def plan_year_start(*, actor, source: PlanYear, year: int, theme: str, summary: str = "") -> dict:
    """The department starts ``year`` from ``source`` (启动新年度): the year with its theme, the
    source year's goals, its tasks as drafts (未启用: no checklist item is generated until the
    department enables them), its indicator schemes as drafts (草稿) and its qualified-branch
    standards — all then edited before use. Refused (nothing written) when anything of ``year``
    already exists or the year is outside the plan; returns what was created."""
    from assessments import year_copy

    require(actor, Action.ADMINISTER)
    plan = Plan.objects.select_for_update().get(pk=source.plan_id)
    theme = (theme or "").strip()
    if not theme:
        raise ValidationError({"theme": _("请填写年度主题（如：质量提升年）。")})
    if not plan.start_year <= year <= plan.end_year:
        raise ValidationError({"year": _("%(y)s 年不在“%(p)s”的年限（%(a)s—%(b)s）内。")
                               % {"y": year, "p": plan.name, "a": plan.start_year, "b": plan.end_year}})  # fmt: skip
    if (PlanYear.objects.filter(year=year).exists() or Task.objects.filter(plan_year__year=year).exists()
            or year_copy.year_has_assessments(year)):  # fmt: skip
        raise ValidationError(
            {
                "year": _(
                    "%(y)s 年度已经建立（已有年度、任务、指标体系或合格标准），不能重复创建；请直接修改该年度。"
                )
                % {"y": year}
            }
        )
    py = PlanYear(plan=plan, year=year, theme=theme, summary=summary.strip())
    py.full_clean()
    py.save()
    AnnualGoal.objects.bulk_create(
        [AnnualGoal(plan_year=py, metric=g.metric, name=g.name, target_value=g.target_value,
                    threshold=g.threshold, sort_order=g.sort_order) for g in source.goals.all()]
    )  # fmt: skip
    tasks = list(source.tasks.order_by("sort_order", "code").prefetch_related("excluded_orgs"))
    copies = Task.objects.bulk_create(
        [Task(plan_year=py, code=t.code, title=t.title, description=t.description, element=t.element,
              function=t.function, cadence=t.cadence, due_day=t.due_day, is_common=t.is_common,
              domains=list(t.domains or []), levels=list(t.levels or []), sort_order=t.sort_order,
              due_date=_same_day_in(t.due_date, year) if t.due_date else None, is_active=False)
         for t in tasks]
    )  # fmt: skip
    through = Task.excluded_orgs.through
    through.objects.bulk_create(
        [through(task_id=new.pk, organization_id=o.pk)
         for t, new in zip(tasks, copies, strict=True) for o in t.excluded_orgs.all()]
    )  # fmt: skip
    schemes = year_copy.schemes_copy_as_drafts(actor=actor, source_year=source.year, year=year)
    standards = year_copy.standards_copy(actor=actor, source_year=source.year, year=year)
    created = {"goals": source.goals.count(), "tasks": len(copies), "schemes": len(schemes),
               "standards": len(standards)}  # fmt: skip
    audit_record(actor=actor, action="plan_year_start", obj=py,
                 changes={"year": [None, year], "copied_from": [None, source.year], **{k: [None, v] for k, v in created.items()}})  # fmt: skip
    log.info("plan year %s started from %s: %s", year, source.year, created)
    return {"plan_year": py, **created}
