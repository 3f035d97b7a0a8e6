"""Supervision writes: standard checks, inspections, findings, appeals, escalation (re-exported by services)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, require

from .models import (
    Appeal,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    StandardCheck,
    StandardItem,
)

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
