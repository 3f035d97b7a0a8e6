"""Writes for supervision and assessment. Every service is atomic, takes ``actor=`` and audits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, require

from .models import (
    KIND_CADENCE,
    AssessorEntry,
    DutyReport,
    PublicPage,
    RectificationPlan,
    RunStatus,
    ScoreRun,
)
from .scoring import PeriodError, parse_period
from .services_schemes import (  # noqa: F401  re-exported: callers use services.*
    no_published_scheme,
    published_schemes,
    same_coverage,
    scheme_new_version,
    scheme_problems,
    scheme_publish,
    standard_publish,
)
from .services_supervision import (  # noqa: F401  re-exported: callers use services.*
    _checked_upload,
    _event,
    appeal_file,
    appeal_rule,
    escalate_overdue,
    finding_add,
    finding_answer,
    finding_verify,
    inspection_record,
    standard_self_check,
    standard_verify,
)
from .voting import current_quarter as current_quarter  # re-exported: callers use services.*
from .voting import duty_rate as duty_rate
from .voting import survey_answer as survey_answer
from .voting import voter_hash as voter_hash

# --- score runs ---------------------------------------------------------------------------------


def kinds_for_period(code: str) -> list[str]:
    shape = parse_period(code).shape
    return [k for k, c in KIND_CADENCE.items() if c == shape]


@transaction.atomic
def run_start(
    *, actor, period: str, kind: str, enqueue: bool = True, chunk_size: int | None = None
) -> ScoreRun:
    """Start computing a period. An unpublished draft of the same period is superseded (a rerun);
    a published run stays frozen and the new run becomes the next draft. Refused while a run is
    queued or running (the partial unique constraint backs this up)."""
    try:
        p = parse_period(period)
    except PeriodError as e:
        raise ValidationError(str(e)) from None
    if KIND_CADENCE.get(kind) != p.shape:
        raise ValidationError(_("考核期 %(p)s 与类别不匹配。") % {"p": period})
    schemes = published_schemes(year=p.year, kind=kind)
    if not schemes:
        raise ValidationError(no_published_scheme(year=p.year, kind=kind))
    active = list(
        ScoreRun.objects.select_for_update().filter(
            period=p.code,
            kind=kind,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DRAFT, RunStatus.NOTICE],
        )
    )
    on_notice = False
    for r in active:
        if r.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            raise ValidationError(_("%(p)s 正在计算中，请等待完成。") % {"p": p.code})
        on_notice = on_notice or r.status == RunStatus.NOTICE
        r.status = RunStatus.SUPERSEDED
        r.save(update_fields=["status"])
    published = ScoreRun.objects.filter(period=p.code, kind=kind, status=RunStatus.PUBLISHED).first()
    run = ScoreRun(
        period=p.code,
        kind=kind,
        scheme=schemes[0],
        notice_on_finish=on_notice,
        started_by=actor if getattr(actor, "pk", None) else None,
        chunk_size=chunk_size or getattr(settings, "ASSESSMENTS_CHUNK_SIZE", 500),
        replaces=published,
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise ValidationError(_("%(p)s 正在计算中，请等待完成。") % {"p": p.code}) from None
    run.schemes.set(schemes)
    audit_record(
        actor=actor,
        action="score_run_start",
        obj=run,
        changes={"period": [None, p.code], "notice_on_finish": [None, on_notice]},
    )
    if enqueue:
        from config.jobs import enqueue_on_commit

        from .tasks import compute_run

        enqueue_on_commit(compute_run, run.pk)
    return run


@transaction.atomic
def run_retry(*, actor, run: ScoreRun, enqueue: bool = True) -> ScoreRun:
    """重试: a failed run goes back to the queue and resumes from its last chunk, over the same
    subjects. Refused when the run did not fail or another run of its period is active now."""
    run = ScoreRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.FAILED:
        raise ValidationError(_("只有失败的计分批次可以重试。"))
    old = run.failure
    run.status, run.failure, run.error, run.lease, run.task_id = RunStatus.QUEUED, "", "", "", ""
    run.attempts, run.sweeps, run.heartbeat_at, run.finished_at = 0, 0, timezone.now(), None
    try:
        with transaction.atomic():
            run.save(update_fields=["status", "failure", "error", "lease", "task_id", "attempts", "sweeps",
                                    "heartbeat_at", "finished_at"])  # fmt: skip
    except IntegrityError:
        raise ValidationError(_("%(p)s 已有进行中的计分批次，不能重试这一批。") % {"p": run.period}) from None
    audit_record(actor=actor, action="score_run_retry", obj=run, changes={"failure": [old, ""]})
    if enqueue:
        from config.jobs import enqueue_on_commit

        from .tasks import compute_run

        enqueue_on_commit(compute_run, run.pk)
    return run


@transaction.atomic
def run_start_notice(*, actor, run: ScoreRun) -> ScoreRun:
    """公示: the draft is shown publicly for the scheme's notice period before 定级."""
    run = ScoreRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise ValidationError(_("只有草稿可以进入公示。"))
    run.status = RunStatus.NOTICE
    run.notice_until = timezone.localdate() + timedelta(days=run.scheme.notice_days)
    run.save(update_fields=["status", "notice_until"])
    audit_record(actor=actor, action="score_run_notice", obj=run)
    return run


@transaction.atomic
def run_publish(*, actor, run: ScoreRun) -> ScoreRun:
    """定级: publish a reviewed draft. The period's earlier published run becomes superseded;
    its rows stay as they were (frozen)."""
    run = ScoreRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (RunStatus.DRAFT, RunStatus.NOTICE):
        raise ValidationError(_("只有草稿或公示中的结果可以发布。"))
    if run.status == RunStatus.NOTICE and run.notice_until and timezone.localdate() <= run.notice_until:
        raise ValidationError(
            _("公示期至 %(d)s，期满后方可定级发布。") % {"d": run.notice_until.strftime("%Y-%m-%d")}
        )
    ScoreRun.objects.filter(period=run.period, kind=run.kind, status=RunStatus.PUBLISHED).update(
        status=RunStatus.SUPERSEDED
    )
    run.status = RunStatus.PUBLISHED
    run.published_at = timezone.now()
    run.published_by = actor if getattr(actor, "pk", None) else None
    run.save(update_fields=["status", "published_at", "published_by"])
    audit_record(actor=actor, action="score_run_publish", obj=run)
    return run


@transaction.atomic
def entry_set(
    *, actor, organization: Organization, period: str, code: str, value, stage="superior", note=""
) -> AssessorEntry:
    """Record an assessor's (or the unit's own, for 自评) value for an ``entered:<code>`` source.

    自评 is the unit's own (its secretary, not the level above, which 上级评定s instead); the
    superior's and the mass evaluation's values are entered by the level above."""
    if stage not in AssessorEntry.Stage.values:
        raise ValidationError({"stage": _("评定环节无效。")})
    # 自评 is the unit's own act; the superior's and the mass evaluation's are the level above's.
    require(actor, Action.REPORT if stage == AssessorEntry.Stage.SELF else Action.REVIEW, organization)
    try:
        value = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError({"value": _("数值应为数字。")}) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1000):
        raise ValidationError({"value": _("数值应在 0 到 1000 之间。")})
    key = dict(organization=organization, period=period, code=code, stage=stage)
    e = AssessorEntry.objects.filter(**key).first() or AssessorEntry(**key)
    before = None if e.pk is None else str(e.value)
    e.value, e.note, e.entered_by, e.entered_at = value, note, actor, timezone.now()
    e.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        e.save()
        audit_record(
            actor=actor,
            action="entry_set",
            obj=e,
            organization=organization,
            changes={"value": [before, str(value)], "stage": [None, stage], "note": [None, note]},
        )
    return e


# --- mass evaluation and duty reports ----------------------------------------------------------------


def public_page_for(organization: Organization) -> PublicPage:
    page, _c = PublicPage.objects.get_or_create(
        organization=organization, defaults={"key": PublicPage.new_key()}
    )
    return page


@transaction.atomic
def duty_report_save(*, actor, organization: Organization, year: int, title: str, body: str) -> DutyReport:
    require(actor, Action.MANAGE, organization)
    rep, created = DutyReport.objects.get_or_create(
        organization=organization, year=year, defaults={"title": title, "body": body, "filed_by": actor}
    )
    if not created:
        rep.title, rep.body = title, body
    rep.full_clean()
    rep.save()
    audit_record(actor=actor, action="duty_report_save", obj=rep, organization=organization)
    return rep


# --- 后进整改方案 ----------------------------------------------------------------------------------


@transaction.atomic
def rectification_plan_save(
    *,
    actor,
    organization: Organization,
    year: int,
    plan: str,
    responsible: str,
    deadline,
    progress=0,
    progress_note: str = "",
) -> RectificationPlan:
    """Write (or update) a lagging branch's or unit's 整改方案 for ``year``: the unit itself
    (its secretary) or the level above. Every field change is audited with its old value."""
    from branches.audit import diff

    require(actor, Action.MANAGE, organization)
    try:
        progress = int(str(progress).strip() or 0)
    except ValueError:
        raise ValidationError({"progress": _("完成进度应为 0 到 100 的整数。")}) from None
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("完成进度应为 0 到 100 的整数。")})
    rp = RectificationPlan.objects.select_for_update().filter(organization=organization, year=year).first()
    rp = rp or RectificationPlan(organization=organization, year=year)
    fields = ("plan", "responsible", "deadline", "progress", "progress_note")
    before = {f: getattr(rp, f) for f in fields} if rp.pk else {}
    rp.plan, rp.responsible, rp.deadline = (plan or "").strip(), (responsible or "").strip(), deadline
    rp.progress, rp.progress_note = progress, (progress_note or "").strip()
    rp.updated_by, rp.updated_at = actor if getattr(actor, "pk", None) else None, timezone.now()
    rp.full_clean(validate_unique=False, validate_constraints=False)
    created = rp.pk is None
    rp.save()
    changes = diff(before, {f: getattr(rp, f) for f in fields})
    if changes or created:
        audit_record(
            actor=actor,
            action="rectification_plan_create" if created else "rectification_plan_update",
            obj=rp,
            organization=organization,
            changes=changes,
        )
    return rp
