"""Writes on members: roster changes, e-ID, care, imports (pioneer index: pioneer_services). Each is audited."""

from __future__ import annotations

import contextlib
import functools
import os
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import sheets
from branches.audit import audit_bulk, audit_record, diff
from branches.models import AuditEvent, Organization
from branches.policy import Action, allows, is_system, require
from config.dbstats import analyze_after_bulk_load

from . import importing, resident_id, rules
from .crypto import blind_index
from .models import (
    CURRENT_STATUSES,
    CarePayment,
    CareVisit,
    Member,
    MemberStatus,
)
from .pioneer_services import (  # noqa: F401  re-exported: callers use members.services
    DEFAULT_INDICATORS,
    DEFAULT_VETO,
    PARTICIPATION,
    pioneer_entries_save,
    pioneer_scheme_default,
    pioneer_scheme_new_version,
    pioneer_scheme_publish,
    pioneer_scores_compute,
    scheme_validate,
)

AUDITED = (
    "name", "gender", "ethnicity", "resident_id", "birth_date", "education", "phone", "joined_on",
    "full_member_on", "category", "status", "status_changed_on", "organization", "eid_authenticated",
    "eid_authenticated_on", "in_difficulty",
)  # fmt: skip


def _snapshot(m: Member) -> dict:
    d = {f: getattr(m, f) for f in AUDITED if f != "organization"}
    d["resident_id"] = resident_id.mask(m.resident_id)
    d["organization"] = m.organization.code if m.organization_id else None
    return d


def _require_manage(actor, org: Organization) -> None:
    """Jobs and commands act as ``branches.policy.SYSTEM``; no actor is refused like anyone else."""
    require(actor, Action.MANAGE, org)


# --- duplicate resident IDs: no existence oracle ---------------------------------------------
#
# Whether a resident ID is a current member somewhere in the city is itself personal data. A
# duplicate outside the user's scope is answered with one sentence (cannot be added; ask the
# 市委组织部) and never with where it is registered; each such refusal is an audit row (on the
# member's history, so the department and the member's organization see who asked), and a user
# refused for more than MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR distinct IDs in an hour has imports
# and new IDs refused for the rest of the hour. The count is read from the audit rows, so it
# holds when the cache is down or cleared.

DUPLICATE_ID_REFUSED = "member.duplicate_id_refused"
IMPORT_PREVIEWED = "member.import_preview"


class DuplicateResidentId(ValidationError):
    """A current member outside the actor's scope holds this ID (``member_id`` is never shown)."""

    def __init__(self, member_id: int):
        super().__init__({"resident_id": importing.duplicate_id_message()})
        self.member_id = member_id


def duplicate_id_limit() -> int:
    return getattr(settings, "MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR", 20)


def duplicate_id_refusals(*, actor) -> int:
    """Distinct resident IDs refused to ``actor`` as duplicates in the last hour (one query)."""
    if is_system(actor) or not getattr(actor, "pk", None):
        return 0
    since = timezone.now() - timedelta(hours=1)
    return (
        AuditEvent.objects.filter(actor_id=actor.pk, action=DUPLICATE_ID_REFUSED, at__gte=since)
        .values("object_id")
        .distinct()
        .count()
    )


def duplicate_ids_blocked_message() -> str:
    return _(
        "您在一小时内录入或导入的公民身份号码中，无法添加的已超过 %(n)s 个，导入和新增党员暂停一小时。"
        "如需核实，请联系市委组织部。"
    ) % {"n": duplicate_id_limit()}


def duplicate_ids_gate(*, actor) -> None:
    """Refuse before anything is read when the actor has used up the hour's refusals."""
    if duplicate_id_refusals(actor=actor) >= duplicate_id_limit():
        raise importing.ImportFileError(duplicate_ids_blocked_message())


def duplicate_ids_refused(*, actor, member_ids) -> int:
    """Audit the refusals: one row per member (at most the limit + 1 per call: past the limit the
    user is stopped anyway). Returns the actor's distinct refusals in the hour, these included."""
    ids = sorted(set(member_ids))[: duplicate_id_limit() + 1]
    if ids and not is_system(actor) and getattr(actor, "pk", None):
        members = list(Member.objects.filter(pk__in=ids).select_related("organization"))
        audit_bulk(
            actor=actor,
            action=DUPLICATE_ID_REFUSED,
            objs=members,
            organization_of=lambda m: m.organization,
            changes_of=lambda m: {"说明": "重复的公民身份号码，未向录入人透露登记位置"},
        )
    return duplicate_id_refusals(actor=actor)


def _audited_refusals(fn):
    """Around a service: a duplicate refusal is audited after its transaction rolled back."""

    @functools.wraps(fn)
    def wrapper(*args, actor, **kwargs):
        try:
            return fn(*args, actor=actor, **kwargs)
        except DuplicateResidentId as e:
            duplicate_ids_refused(actor=actor, member_ids=[e.member_id])
            raise

    return wrapper


def _check_unique(m: Member, *, actor=None, new_id: bool = False) -> None:
    if m.status not in CURRENT_STATUSES:
        return
    if new_id and duplicate_id_refusals(actor=actor) >= duplicate_id_limit():
        raise ValidationError({"resident_id": duplicate_ids_blocked_message()})
    clash = (
        Member.objects.current()
        .with_resident_id(m.resident_id)
        .exclude(pk=m.pk)
        .select_related("organization")
        .first()
    )
    if clash is None:
        return
    if actor is not None and allows(actor, Action.MANAGE, clash.organization):
        raise ValidationError(
            {"resident_id": _("该公民身份号码已是您管理范围内的正常或流动党员，可在花名册中搜索该号码。")}
        )
    raise DuplicateResidentId(clash.pk)


def _check_rules(m: Member) -> None:
    """The roster rules (``members.rules``), the same the form and the importer apply."""
    rid, birth, gender = resident_id.parse(m.resident_id)
    m.resident_id = rid
    m.name = rules.normalize_name(m.name)
    m.phone = rules.normalize_phone(m.phone)
    fields = ("name", "gender", "ethnicity", "birth_date", "phone", "joined_on", "full_member_on")
    values = {f: getattr(m, f) for f in fields}
    errors = rules.person_errors(values, id_birth=birth, id_gender=gender)
    m.birth_date = birth
    if errors:
        raise ValidationError(errors)


@_audited_refusals
@transaction.atomic
def member_create(*, actor, **fields) -> Member:
    """Add a member to the roster (党员信息录入)."""
    m = Member(**fields)
    _require_manage(actor, m.organization)
    _check_rules(m)
    if m.eid_authenticated and not m.eid_authenticated_on:
        m.eid_authenticated_on = timezone.localdate()
    m.full_clean(exclude=["resident_id_hash"])
    _check_unique(m, actor=actor, new_id=True)
    m.save()
    audit_record(actor=actor, action="member.create", obj=m, organization=m.organization,
                 changes=diff({}, _snapshot(m)))  # fmt: skip
    return m


@_audited_refusals
@transaction.atomic
def member_update(*, actor, member: Member, **fields) -> Member:
    """Edit a member; moving to another organization needs the right over both."""
    _require_manage(actor, member.organization)
    before = _snapshot(Member.objects.select_related("organization").get(pk=member.pk))
    for k, v in fields.items():
        setattr(member, k, v)
    _require_manage(actor, member.organization)
    _check_rules(member)
    if member.eid_authenticated and not member.eid_authenticated_on:
        member.eid_authenticated_on = timezone.localdate()
    if not member.eid_authenticated:
        member.eid_authenticated_on = None
    member.full_clean(exclude=["resident_id_hash"])
    _check_unique(member, actor=actor, new_id=member.resident_id_hash != blind_index(member.resident_id))
    changes = diff(before, _snapshot(member))
    if not changes:
        return member
    member.save()
    audit_record(actor=actor, action="member.update", obj=member, organization=member.organization,
                 changes=changes)  # fmt: skip
    return member


def resident_id_viewed(*, actor, member: Member) -> None:
    """A full resident ID was shown to ``actor`` (查看完整身份证号): its own permission, audited."""
    require(actor, Action.VIEW_FULL_ID, member.organization)
    audit_record(actor=actor, action="member.view_full_id", obj=member, organization=member.organization)


_FLOWS = {MemberStatus.FLOATING: gettext_lazy("“流动”由流动党员登记办理（登记流出、结束流动），不能直接修改。"),
          MemberStatus.TRANSFERRED: gettext_lazy("“转出”由组织关系转接办理（发起转接、开具介绍信），不能直接修改。")}  # fmt: skip


def member_transfer_out(*, actor, member: Member, status: str, on: date | None = None) -> Member:
    """出党 / 去世 / 正常 from the member page. 流动 and 转出 (to or from) come only from their flows
    (``floating``, ``transfers``), which keep where the member went: refused here."""
    _require_manage(actor, member.organization)
    for s in (status, member.status):
        if s in _FLOWS and member.status != status:
            raise ValidationError({"status": _FLOWS[s]})
    return member_status_change(actor=actor, member=member, status=status, on=on)


@_audited_refusals
@transaction.atomic
def member_status_change(*, actor, member: Member, status: str, on: date | None = None) -> Member:
    """A status change, the record kept; the floating and transfer flows call it for 流动 / 转出."""
    _require_manage(actor, member.organization)
    if status not in (MemberStatus.TRANSFERRED, MemberStatus.LEFT, MemberStatus.DECEASED, MemberStatus.NORMAL,
                      MemberStatus.FLOATING):  # fmt: skip
        raise ValidationError({"status": _("无效的党员状态。")})
    if member.status == status:
        return member
    before = _snapshot(member)
    member.status = status
    member.status_changed_on = on or timezone.localdate()
    _check_unique(member, actor=actor)
    member.save(update_fields=["status", "status_changed_on", "updated_at"])
    audit_record(actor=actor, action="member.status", obj=member, organization=member.organization,
                 changes=diff(before, _snapshot(member)))  # fmt: skip
    return member


@transaction.atomic
def members_eid_authenticate(*, actor, members, on: date | None = None) -> int:
    """Record e-ID authentication (党员电子身份认证) for one or many members; idempotent."""
    on = on or timezone.localdate()
    todo = [m for m in members if not m.eid_authenticated]
    for m in todo:
        _require_manage(actor, m.organization)
    if not todo:
        return 0
    Member.objects.filter(pk__in=[m.pk for m in todo]).update(
        eid_authenticated=True, eid_authenticated_on=on, updated_at=timezone.now()
    )
    audit_bulk(
        actor=actor,
        action="member.eid",
        objs=todo,
        organization_of=lambda m: m.organization,
        changes_of=lambda m: {
            "eid_authenticated": [False, True],
            "eid_authenticated_on": [None, on.isoformat()],
        },
    )
    return len(todo)


# --- care -------------------------------------------------------------------------------------


@transaction.atomic
def care_visit_add(*, actor, member: Member, visited_on: date, visitor: str, notes: str = "") -> CareVisit:
    """Record a 润心走访 visit."""
    _require_manage(actor, member.organization)
    v = CareVisit(member=member, visited_on=visited_on, visitor=visitor, notes=notes,
                  created_by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("走访日期不能晚于今天。")})
    v.full_clean()
    v.save()
    audit_record(actor=actor, action="member.care_visit", obj=member, organization=member.organization,
                 changes={"润心走访": [None, f"{visited_on:%Y-%m-%d} {visitor}"]})  # fmt: skip
    return v


@transaction.atomic
def care_payment_add(
    *, actor, member: Member, amount, paid_on: date, approver: str, notes: str = ""
) -> CarePayment:
    """Record a 关爱资金 payment."""
    _require_manage(actor, member.organization)
    p = CarePayment(member=member, amount=amount, paid_on=paid_on, approver=approver, notes=notes,
                    created_by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
    if amount is not None and Decimal(amount) <= 0:
        raise ValidationError({"amount": _("金额必须大于 0。")})
    p.full_clean()
    p.save()
    audit_record(actor=actor, action="member.care_payment", obj=member, organization=member.organization,
                 changes={"关爱资金": [None, f"{paid_on:%Y-%m-%d} {amount} 元（{approver} 审批）"]})  # fmt: skip
    return p


# --- import (portal) --------------------------------------------------------------------------

_IMPORT_SALT = "members.import"
IMPORT_MAX_AGE = 3600


def _import_dir() -> Path:
    """Uploads waiting for the confirm step: the private upload directory (0700), not /tmp."""
    return sheets.upload_temp_dir("member-imports")


def _sweep_old_uploads(d: Path) -> None:
    """Previews nobody confirmed: their files go once the token could no longer be used."""
    cutoff = time.time() - IMPORT_MAX_AGE
    for f in d.iterdir():
        with contextlib.suppress(OSError):
            if f.stat().st_mtime < cutoff:
                f.unlink()


def roster_import_preview(*, actor, upload) -> tuple[importing.ImportPlan, str | None]:
    """Validate an uploaded roster. Keeps the file for the confirm step under a signed token.

    The file is kept only when a token is handed out; every other way out (an error in the
    file, a refusal, any exception) removes it.
    """
    if importing.manage_prefixes(actor) == ():
        raise PermissionDenied
    ext = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    if upload.size > importing.MAX_FILE_BYTES:
        raise importing.ImportFileError(
            _("文件过大，上限 %(max)s MB，请拆分后分批导入。") % {"max": importing.MAX_FILE_BYTES // 1048576}
        )
    duplicate_ids_gate(actor=actor)
    key = uuid.uuid4().hex
    _sweep_old_uploads(_import_dir())
    path = _import_dir() / f"{key}{ext}"
    keep = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with open(path, "rb") as fh:
            plan = importing.build_plan(fh, upload.name, user=actor)
        _import_audited(actor=actor, plan=plan, name=upload.name)
        if not plan.ok:
            return plan, None
        token = signing.dumps({"k": key, "e": ext, "u": actor.pk, "n": upload.name[:100]}, salt=_IMPORT_SALT)
        keep = True
        return plan, token
    finally:
        if not keep:
            path.unlink(missing_ok=True)


def _import_file(token: str, actor) -> tuple[Path, str]:
    try:
        data = signing.loads(token, salt=_IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError("导入凭据无效或已过期（1 小时），请重新上传文件。") from None
    if (
        data.get("u") != actor.pk
        or data.get("e") not in (".xlsx", ".csv")
        or not str(data.get("k")).isalnum()
    ):
        raise PermissionDenied
    path = _import_dir() / f"{data['k']}{data['e']}"
    if not path.exists():
        raise ValidationError("导入文件已被处理或已过期，请重新上传文件。")
    return path, data.get("n", "roster" + data["e"])


def roster_import_confirm(*, actor, token: str) -> importing.ImportPlan:
    """Re-validate the stored file and import it all in one transaction (nothing if any error)."""
    path, name = _import_file(token, actor)
    try:
        duplicate_ids_gate(actor=actor)
        with transaction.atomic():
            with open(path, "rb") as fh:
                plan = importing.build_plan(fh, name, user=actor)
            if plan.ok:
                importing.apply_plan(plan, actor=actor)
                c = plan.counts
                analyze_after_bulk_load(Member, rows=c["new"] + c["updated"])
    finally:
        if path.exists():
            os.unlink(path)
    if plan.refused_member_ids:  # someone joined elsewhere between preview and confirm
        _import_audited(actor=actor, plan=plan, name=name, step="confirm")
    return plan


def _import_audited(*, actor, plan: importing.ImportPlan, name: str, step: str = "preview") -> None:
    """Audit a preview (every one) and its duplicate refusals; once the actor is past the hour's
    limit the plan shows one refusal and no rows, so the file tells nothing about its IDs."""
    refused = len(set(plan.refused_member_ids))
    if (
        refused
        and duplicate_ids_refused(actor=actor, member_ids=plan.refused_member_ids) > duplicate_id_limit()
    ):
        plan.errors[:] = [importing.RowError(1, "公民身份号码", duplicate_ids_blocked_message())]
        plan.changes.clear()
        plan.warnings.clear()
    if step == "preview" and getattr(actor, "pk", None) and not is_system(actor):
        c = plan.counts
        audit_record(
            actor=actor,
            action=IMPORT_PREVIEWED,
            obj=actor,
            changes={
                "文件": name[:100],
                "行数": plan.rows,
                "新增": c["new"],
                "更新": c["updated"],
                "错误": len(plan.errors),
                "无法添加的号码": refused,
            },
        )
