"""Writes for supervision and assessment. Every service is atomic, takes ``actor=`` and audits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Domain, Organization
from branches.policy import Action, require

from .models import (
    KIND_CADENCE,
    Appeal,
    AssessorEntry,
    DutyReport,
    Finding,
    FindingEvent,
    FindingStatus,
    IndicatorKind,
    Inspection,
    PublicPage,
    RectificationPlan,
    RunStatus,
    Scheme,
    SchemeKind,
    SchemeStatus,
    ScoreRun,
    Standard,
    StandardCheck,
    StandardItem,
    StandardStatus,
)
from .scoring import PeriodError, parse_period
from .voting import current_quarter as current_quarter  # re-exported: callers use services.*
from .voting import duty_rate as duty_rate
from .voting import survey_answer as survey_answer
from .voting import voter_hash as voter_hash

# --- schemes ------------------------------------------------------------------------------------


def scheme_problems(scheme: Scheme) -> list[str]:
    """What is wrong with a scheme, in Chinese, one line per problem (empty: valid)."""
    problems: list[str] = []
    try:
        scheme.clean()
    except ValidationError as e:
        problems.extend(e.messages)
    inds = list(scheme.indicators.all())
    base = [i for i in inds if i.kind == IndicatorKind.BASE]
    common = sum((i.weight for i in base if not i.domain), Decimal(0))
    total = scheme.total_points
    with_parts = sorted({i.domain for i in base if i.domain})
    targeted = [d for d in Domain.values if d in (scheme.domains or Domain.values)]
    if not with_parts and common != total:
        problems.append(_("基础指标分值合计 %(s)s，应为 %(t)s。") % {"s": common, "t": total})
    for d in [d for d in with_parts if d not in targeted]:
        problems.append(_("“%(d)s”领域有领域部分，但本体系不考核该领域。") % {"d": Domain(d).label})
    if with_parts:
        # A scheme with domain parts (共性 + 各领域) must give every domain it targets its part:
        # otherwise those units would be scored out of the common part alone (e.g. 60 of 100).
        for d in targeted:
            part = sum((i.weight for i in base if i.domain == d), Decimal(0))
            if d not in with_parts:
                problems.append(
                    _("“%(d)s”领域没有领域部分：该领域单位只有共性部分 %(c)s 分，应为 %(t)s 分。")
                    % {"d": Domain(d).label, "c": common, "t": total}
                )
            elif common + part != total:
                problems.append(
                    _("“%(d)s”领域：共性部分 %(c)s + 领域部分 %(p)s = %(s)s，应为 %(t)s。")
                    % {"d": Domain(d).label, "c": common, "p": part, "s": common + part, "t": total}
                )
    for i in inds:
        try:
            i.clean()
        except ValidationError as e:
            for msgs in e.message_dict.values():
                problems.extend(f"{i.code}：{m}" for m in msgs)
    bands = list(scheme.bands.order_by("-min_score"))
    if not bands:
        problems.append(_("至少需要一个等次。"))
    scores = [b.min_score for b in bands]
    if len(set(scores)) != len(scores):
        problems.append(_("各等次的最低分不能相同。"))
    stars = [b.stars for b in bands]
    if stars != sorted(stars, reverse=True):
        problems.append(_("星级须随最低分从高到低排列。"))
    if sum(b.is_lagging for b in bands) > 1:
        problems.append(_("至多一个等次可标为“后进等次”。"))
    if bands and any(b.is_lagging for b in bands) and not bands[-1].is_lagging:
        problems.append(_("“后进”等次须是最低的等次。"))
    if not (
        any(b.is_lagging for b in bands)
        or scheme.lagging_below is not None
        or scheme.lagging_bottom_percent is not None
        or scheme.lagging_vetoed
    ):
        problems.append(_("须设定后进的认定规则（低于某分、末位百分比、一票否决或后进等次）。"))
    return problems


def same_coverage(a: Scheme, b: Scheme) -> bool:
    return (
        a.scope_id == b.scope_id
        and sorted(a.domains or []) == sorted(b.domains or [])
        and {t.pk for t in a.branch_types.all()} == {t.pk for t in b.branch_types.all()}
    )


def published_schemes(*, year: int, kind: str) -> list[Scheme]:
    """Every published scheme of a year and kind (the city's, a bureau's …), broadest first."""
    from .scoring import specificity

    qs = Scheme.objects.filter(year=year, kind=kind, status=SchemeStatus.PUBLISHED)
    return sorted(qs.select_related("scope").prefetch_related("branch_types"), key=specificity)


def no_published_scheme(*, year: int, kind: str) -> str | None:
    """Why a period of this year and kind cannot be computed — "no published scheme" in Chinese —
    or None when it can. The quarter-end job logs and returns it; the department's home page can
    show it."""
    if Scheme.objects.filter(year=year, kind=kind, status=SchemeStatus.PUBLISHED).exists():
        return None
    return _("%(y)s 年没有已发布的“%(k)s”指标体系，未计算。") % {"y": year, "k": SchemeKind(kind).label}


@transaction.atomic
def scheme_publish(*, actor, scheme: Scheme) -> Scheme:
    """Publish a draft scheme; the previously published version of that year and kind is superseded."""
    if scheme.status != SchemeStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布；已发布的指标体系不能修改，请新建版本。"))
    problems = scheme_problems(scheme)
    if problems:
        raise ValidationError(problems)
    old = Scheme.objects.select_for_update().filter(
        year=scheme.year, kind=scheme.kind, status=SchemeStatus.PUBLISHED
    )
    # Only the published scheme with the same coverage is superseded: a bureau's scheme runs
    # beside the city's (each unit is scored by the most specific one that covers it).
    for o in [o for o in old if same_coverage(o, scheme)]:
        o.status = SchemeStatus.SUPERSEDED
        o.save(update_fields=["status"])
        scheme.supersedes = o
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["status", "published_at", "supersedes"])
    audit_record(actor=actor, action="scheme_publish", obj=scheme)
    return scheme


@transaction.atomic
def standard_publish(*, actor, standard: Standard) -> Standard:
    """Publish a draft 合格支部标准 (a copied year, once edited): from now on branches self-check it
    and the fortress index counts it. Only the department publishes; publishing twice does nothing."""
    require(actor, Action.PUBLISH)
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.status == StandardStatus.PUBLISHED:
        return standard
    if not standard.items.exists():
        raise ValidationError(_("%(s)s 没有标准条目，不能发布。") % {"s": standard.name})
    standard.status = StandardStatus.PUBLISHED
    standard.save(update_fields=["status"])
    audit_record(
        actor=actor, action="standard_publish", obj=standard, changes={"status": ["draft", "published"]}
    )
    return standard


@transaction.atomic
def scheme_new_version(*, actor, scheme: Scheme) -> Scheme:
    """Copy a scheme (with indicators and bands) into a new draft version — the way to change one."""
    last = Scheme.objects.filter(year=scheme.year, kind=scheme.kind).order_by("-version").first()
    indicators = list(scheme.indicators.all())
    bands = list(scheme.bands.all())
    new = Scheme.objects.get(pk=scheme.pk)
    new.pk = None
    new._state.adding = True
    new.version = last.version + 1
    new.status = SchemeStatus.DRAFT
    new.published_at = None
    new.supersedes = scheme
    new.save()
    for i in indicators:
        i.pk = None
        i.scheme = new
    for b in bands:
        b.pk = None
        b.scheme = new
    new.indicators.model.objects.bulk_create(indicators)
    new.bands.model.objects.bulk_create(bands)
    new.branch_types.set(scheme.branch_types.all())
    audit_record(actor=actor, action="scheme_new_version", obj=new)
    return new


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


# --- standards ------------------------------------------------------------------------------------


@transaction.atomic
def standard_self_check(
    *, actor, organization: Organization, item: StandardItem, met: bool, note=""
) -> StandardCheck:
    require(actor, Action.MANAGE, organization)
    if item.standard.domain != organization.domain:
        raise ValidationError(_("该标准不适用于本组织所在领域。"))
    chk, _c = StandardCheck.objects.get_or_create(item=item, organization=organization)
    chk.self_met, chk.self_note, chk.self_at = met, note, timezone.now()
    chk.self_by = actor if getattr(actor, "pk", None) else None
    chk.verified_met = None  # a changed self-check needs verifying again
    chk.full_clean()
    chk.save()
    audit_record(
        actor=actor,
        action="standard_self_check",
        obj=item,
        organization=organization,
        changes={"met": [None, met]},
    )
    return chk


@transaction.atomic
def standard_verify(*, actor, check: StandardCheck, met: bool, note="") -> StandardCheck:
    """The level above confirms or rejects one self-checked item."""
    require(actor, Action.REVIEW, check)  # never the person who self-checked it
    check.verified_met, check.verify_note = met, note
    check.verified_by, check.verified_at = actor, timezone.now()
    check.save()
    audit_record(
        actor=actor,
        action="standard_verify",
        obj=check.item,
        organization=check.organization,
        changes={"met": [None, met]},
    )
    return check


# --- inspections, findings, appeals ----------------------------------------------------------------


def _checked_upload(upload):
    """Evidence and photos go through the pilot app's content checks (type by content, size,
    no SVG/HTML/macros; images re-encoded) and are stored under a random name."""
    from pilot.evidence import check_upload

    return check_upload(upload)


def _event(finding, actor, action, note=""):
    FindingEvent.objects.create(
        finding=finding, actor=actor if getattr(actor, "pk", None) else None, action=action, note=note
    )


@transaction.atomic
def inspection_record(
    *,
    actor,
    organization: Organization,
    visited_on: date,
    visit="announced",
    method="problem",
    notes="",
    findings=(),
) -> Inspection:
    """Record a visit with its findings; each finding opens a rectification item."""
    require(actor, Action.INSPECT, organization)
    ins = Inspection(
        organization=organization,
        inspector=actor,
        visited_on=visited_on,
        visit=visit,
        method=method,
        notes=notes,
    )
    ins.full_clean()
    ins.save()
    for f in findings:
        finding_add(actor=actor, inspection=ins, **f)
    audit_record(actor=actor, action="inspection_record", obj=ins, organization=organization)
    return ins


@transaction.atomic
def finding_add(
    *,
    actor,
    inspection: Inspection,
    problem: str,
    deadline: date,
    owner: str,
    severity="general",
    organization=None,
    photo=None,
) -> Finding:
    org = organization or inspection.organization
    if not org.is_within(inspection.organization):
        raise ValidationError(_("问题所属单位须在被督查单位之内。"))
    f = Finding(
        inspection=inspection, organization=org, problem=problem, severity=severity,
        found_on=inspection.visited_on, owner=owner, deadline=deadline,
    )  # fmt: skip
    if photo:
        checked = _checked_upload(photo)
        if checked.kind != "image":
            raise ValidationError({"photo": _("照片须为图片文件（JPG、PNG）。")})
        f.photo = checked.stored()[0]
    if deadline < inspection.visited_on:
        raise ValidationError({"deadline": _("整改期限不能早于督查日期。")})
    f.full_clean()
    f.save()
    _event(f, actor, "found", problem)
    return f


@transaction.atomic
def finding_answer(*, actor, finding: Finding, answer: str, evidence=None) -> Finding:
    """The unit reports what it did, with evidence."""
    require(actor, Action.MANAGE, finding.organization)
    if finding.status not in (FindingStatus.OPEN,):
        raise ValidationError(_("该问题当前不需要反馈整改情况。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写整改情况。")})
    finding.answer = answer
    if evidence:
        finding.evidence = _checked_upload(evidence).stored()[0]
    finding.status = FindingStatus.ANSWERED
    finding.answered_at = timezone.now()
    finding.answered_by = actor if getattr(actor, "pk", None) else None
    finding.save()
    _event(finding, actor, "answered", answer)
    audit_record(actor=actor, action="finding_answer", obj=finding, organization=finding.organization)
    return finding


@transaction.atomic
def finding_verify(*, actor, finding: Finding, accept: bool, note="") -> Finding:
    """The inspector closes (销号) the item or reopens it with a note."""
    require(actor, Action.VERIFY, finding)  # never the person who answered it
    if finding.status != FindingStatus.ANSWERED:
        raise ValidationError(_("只有已反馈的问题可以核查。"))
    if accept:
        finding.status = FindingStatus.CLOSED
        finding.closed_at = timezone.now()
        finding.closed_on_time = (
            finding.answered_at.date() <= finding.deadline if finding.answered_at else False
        )
        _event(finding, actor, "closed", note)
    else:
        if not note.strip():
            raise ValidationError({"note": _("退回重新整改须说明原因。")})
        finding.status = FindingStatus.OPEN
        _event(finding, actor, "reopened", note)
    finding.save()
    audit_record(
        actor=actor,
        action="finding_verify",
        obj=finding,
        organization=finding.organization,
        changes={"accept": [None, accept]},
    )
    return finding


@transaction.atomic
def appeal_file(
    *, actor, finding: Finding, reason_kind: str, reason: str, proposed_wording="", proposed_deadline=None
) -> Appeal:
    require(actor, Action.MANAGE, finding.organization)
    if finding.status in (FindingStatus.CLOSED, FindingStatus.WITHDRAWN):
        raise ValidationError(_("已销号或已撤销的问题不能申诉。"))
    if finding.appeals.filter(ruling=Appeal.Ruling.PENDING).exists():
        raise ValidationError(_("该问题已有待裁定的申诉。"))
    a = Appeal(finding=finding, reason_kind=reason_kind, reason=reason, proposed_wording=proposed_wording,
               proposed_deadline=proposed_deadline, filed_by=actor)  # fmt: skip
    if reason_kind == Appeal.Reason.MORE_TIME and not proposed_deadline:
        raise ValidationError({"proposed_deadline": _("申请延期须填写建议期限。")})
    if reason_kind == Appeal.Reason.MORE_TIME and finding.deadline and proposed_deadline <= finding.deadline:
        raise ValidationError(
            {
                "proposed_deadline": _("建议期限应晚于现整改期限 %(d)s。")
                % {"d": finding.deadline.strftime("%Y-%m-%d")}
            }
        )
    a.full_clean()
    a.save()
    _event(finding, actor, "appealed", f"{a.get_reason_kind_display()}：{reason}")
    audit_record(actor=actor, action="appeal_file", obj=finding, organization=finding.organization)
    return a


@transaction.atomic
def appeal_rule(*, actor, appeal: Appeal, uphold: bool, note="") -> Appeal:
    """The inspector rules: upheld wording → rewritten; not a problem → withdrawn; more time → new deadline."""
    f = appeal.finding
    require(actor, Action.RULE_APPEAL, appeal)  # never the person who filed it
    if appeal.ruling != Appeal.Ruling.PENDING:
        raise ValidationError(_("该申诉已裁定。"))
    appeal.ruling = Appeal.Ruling.UPHELD if uphold else Appeal.Ruling.REJECTED
    appeal.ruling_note, appeal.ruled_by, appeal.ruled_at = note, actor, timezone.now()
    appeal.save()
    if uphold:
        if appeal.reason_kind == Appeal.Reason.WORDING and appeal.proposed_wording:
            f.problem = appeal.proposed_wording
        elif appeal.reason_kind == Appeal.Reason.NOT_PROBLEM:
            f.status = FindingStatus.WITHDRAWN
        elif appeal.reason_kind == Appeal.Reason.MORE_TIME:
            f.deadline = appeal.proposed_deadline
            f.escalated_at = None
        f.save()
    _event(f, actor, "ruled", f"{appeal.get_ruling_display()}：{note}")
    audit_record(
        actor=actor,
        action="appeal_rule",
        obj=f,
        organization=f.organization,
        changes={"upheld": [None, uphold]},
    )
    return appeal


def escalate_overdue(*, today: date | None = None) -> int:
    """Mark overdue rectification items as escalated to the level above (one UPDATE + events)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        qs = Finding.objects.overdue(today).filter(escalated_at__isnull=True)
        ids = list(qs.values_list("id", flat=True))
        if not ids:
            return 0
        now = timezone.now()
        Finding.objects.filter(id__in=ids).update(escalated_at=now)
        FindingEvent.objects.bulk_create(
            [
                FindingEvent(finding_id=i, at=now, action="escalated", note=_("逾期未整改，已上报上级"))
                for i in ids
            ]
        )
    return len(ids)


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
