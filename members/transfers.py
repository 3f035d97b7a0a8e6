"""组织关系转接: a transfer is an action across two subtrees.

- Within the city: the sending unit starts it (MANAGE over the member's organization), the
  receiving organization — its secretary or any level above it — accepts or refuses with a reason
  (MANAGE over the receiving organization); only on acceptance does the member move. Both sides
  and the levels above each see it (``Transfer.objects.visible_to``), nobody else (404).
- Out of the city: a numbered introduction letter (介绍信) with a validity and a tear-off receipt
  (回执) is printed; the member's status becomes 转出; the receipt's return is recorded.
- In from outside: the receiving unit records the letter it was handed (what the letter carries),
  then accepts, which adds the member to its roster through ``member_create``.

What the receiving side sees before accepting is what a 介绍信 carries: name, gender, age,
ethnicity, full or probationary, the resident ID (masked on screen), where from and where to,
the month dues are paid to, the letter's number and validity. Nothing else of the member.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, action_q, person, require
from branches.scoping import get_visible_or_404

from . import resident_id
from .models import CURRENT_STATUSES, Member, MemberStatus
from .models_life import Transfer, TransferKind, TransferStatus

IN_PROGRESS = (TransferStatus.PENDING, TransferStatus.LETTER_ISSUED)
DEFAULT_VALID_DAYS = 30


def resolve_org(text: str) -> Organization:
    """An active organization anywhere in the city, by its code or its full name."""
    text = (text or "").strip()
    found = list(Organization.objects.filter(status="active").filter(Q(code=text) | Q(name=text))[:2])
    if len(found) != 1:
        raise ValidationError({"to_org_code": _("未找到该党组织，请填写准确的组织代码或全称。")})
    return found[0]


def _letter_no(org_code: str, on: date) -> str:
    """介绍信编号: year, the issuing organization's code, a running number."""
    prefix = f"{on.year}{org_code}"
    n = Transfer.objects.filter(letter_no__startswith=prefix).count() + 1
    return f"{prefix}{n:04d}"


def _snapshot(m: Member) -> dict:
    return dict(name=m.name, gender=m.gender, ethnicity=m.ethnicity, birth_date=m.birth_date, category=m.category,
                resident_id=m.resident_id, joined_on=m.joined_on, full_member_on=m.full_member_on)  # fmt: skip


def _audit(actor, t: Transfer, action: str, changes: dict) -> None:
    """One row on each side, so both organizations' trails keep the history."""
    for org in {o for o in (t.from_org, t.to_org) if o is not None}:
        audit_record(actor=actor, action=action, obj=t, organization=org, changes=changes)


def _check_date(on: date, field: str = "started_on") -> None:
    if on > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")})


@transaction.atomic
def transfer_start(
    *, actor, member: Member, kind: str, reason: str, started_on: date, to_org: Organization | None = None,
    to_org_name: str = "", dues_paid_until: str = "", valid_days: int | None = None,
) -> Transfer:  # fmt: skip
    """The sending unit starts a transfer within the city, or issues a letter out of it."""
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    require(actor, Action.MANAGE, member.organization)
    if member.status not in CURRENT_STATUSES:
        raise ValidationError(_("只有在册（正常、流动）党员才能转接组织关系。"))
    if Transfer.objects.filter(member=member, status__in=IN_PROGRESS).exists():
        raise ValidationError(_("该党员已有正在办理的组织关系转接。"))
    _check_date(started_on)
    t = Transfer(kind=kind, member=member, from_org=member.organization, reason=reason.strip(), started_on=started_on,
                 dues_paid_until=dues_paid_until, created_by=person(actor), **_snapshot(member))  # fmt: skip
    if kind == TransferKind.WITHIN:
        if to_org is None:
            raise ValidationError({"to_org_code": _("请填写接收党组织。")})
        if to_org.pk == member.organization_id:
            raise ValidationError({"to_org_code": _("接收党组织不能是党员现在所在的党组织。")})
        t.to_org, t.status = to_org, TransferStatus.PENDING
    elif kind == TransferKind.OUT:
        if not to_org_name.strip():
            raise ValidationError({"to_org_name": _("请填写介绍信抬头的接收党组织全称。")})
        t.to_org_name, t.status = to_org_name.strip(), TransferStatus.LETTER_ISSUED
        t.letter_no = _letter_no(member.organization.code, started_on)
        t.valid_until = started_on + timedelta(days=valid_days or DEFAULT_VALID_DAYS)
    else:
        raise ValidationError({"kind": _("无效的转接类型。")})
    t.full_clean()
    t.save()
    changes = {"党员": [None, t.name], "接收党组织": [None, t.to_label]}
    if t.letter_no:
        changes["介绍信编号"] = [None, t.letter_no]
    _audit(actor, t, "transfer.start" if kind == TransferKind.WITHIN else "transfer.letter", changes)
    if kind == TransferKind.OUT:
        from .services import member_status_change

        member_status_change(actor=actor, member=member, status=MemberStatus.TRANSFERRED, on=started_on)
    return t


@transaction.atomic
def transfer_in_register(
    *, actor, to_org: Organization, from_org_name: str, letter_no: str, name: str, resident_id: str,
    ethnicity: str, category: str, joined_on: date, full_member_on: date | None, reason: str, started_on: date,
    valid_until: date | None = None, dues_paid_until: str = "",
) -> Transfer:  # fmt: skip
    """The receiving unit records an introduction letter from outside the city (pending its acceptance)."""
    require(actor, Action.MANAGE, to_org)
    rid, birth, gender = _parse(resident_id)
    if Member.objects.current().with_resident_id(rid).exists():
        raise ValidationError({"resident_id": _("该公民身份号码已登记为本市在册党员。")})
    _check_date(started_on)
    t = Transfer(kind=TransferKind.IN, status=TransferStatus.PENDING, to_org=to_org,
                 from_org_name=from_org_name.strip(), letter_no=letter_no.strip(), name=name.strip(), gender=gender,
                 ethnicity=ethnicity or "汉族", birth_date=birth, category=category, resident_id=rid,
                 joined_on=joined_on, full_member_on=full_member_on, reason=reason.strip(), started_on=started_on,
                 valid_until=valid_until, dues_paid_until=dues_paid_until, created_by=person(actor))  # fmt: skip
    if Transfer.objects.filter(letter_no=t.letter_no).exists():
        raise ValidationError({"letter_no": _("该介绍信编号已登记。")})
    t.full_clean()
    t.save()
    _audit(actor, t, "transfer.in", {"党员": [None, t.name], "转出党组织": [None, t.from_org_name],
                                     "介绍信编号": [None, t.letter_no]})  # fmt: skip
    return t


def _parse(rid: str):
    try:
        return resident_id.parse(rid)
    except ValidationError as e:
        raise ValidationError({"resident_id": e.messages}) from None


def _pending(t: Transfer) -> Transfer:
    t = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("from_org", "to_org", "member")
        .get(pk=t.pk)
    )
    if t.status != TransferStatus.PENDING:
        raise ValidationError(_("该转接已%(s)s，不能再办理。") % {"s": t.get_status_display()})
    return t


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer, on: date | None = None) -> Transfer:
    """The receiving side accepts: the member moves (within the city) or joins the roster (from outside)."""
    on = on or timezone.localdate()
    t = _pending(transfer)
    require(actor, Action.MANAGE, t.to_org)
    if t.kind == TransferKind.WITHIN:
        m = Member.objects.select_for_update().get(pk=t.member_id)
        if m.organization_id != t.from_org_id or m.status not in CURRENT_STATUSES:
            raise ValidationError(_("该党员的组织关系已发生变化，请转出方撤回后重新发起。"))
        Member.objects.filter(pk=m.pk).update(organization=t.to_org, updated_at=timezone.now())
        changes = {"所在党组织": [t.from_org.code, t.to_org.code]}
        audit_record(
            actor=actor, action="member.transfer_out", obj=m, organization=t.from_org, changes=changes
        )
        audit_record(actor=actor, action="member.transfer_in", obj=m, organization=t.to_org, changes=changes)
    else:
        from .services import member_create

        t.member = member_create(
            actor=actor, name=t.name, gender=t.gender, ethnicity=t.ethnicity, resident_id=t.resident_id,
            birth_date=t.birth_date, joined_on=t.joined_on, full_member_on=t.full_member_on, category=t.category,
            organization=t.to_org,
        )  # fmt: skip
    t.status, t.decided_on, t.decided_by = TransferStatus.ACCEPTED, on, person(actor)
    t.save(update_fields=["status", "decided_on", "decided_by", "member"])
    _audit(
        actor,
        t,
        "transfer.accept",
        {"状态": [str(TransferStatus.PENDING.label), str(TransferStatus.ACCEPTED.label)]},
    )
    transfer.__dict__.update(t.__dict__)
    return t


@transaction.atomic
def transfer_refuse(*, actor, transfer: Transfer, reason: str) -> Transfer:
    t = _pending(transfer)
    require(actor, Action.MANAGE, t.to_org)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写拒收原因。")})
    t.status, t.refusal_reason = TransferStatus.REFUSED, reason.strip()[:200]
    t.decided_on, t.decided_by = timezone.localdate(), person(actor)
    t.save(update_fields=["status", "refusal_reason", "decided_on", "decided_by"])
    _audit(actor, t, "transfer.refuse", {"拒收原因": [None, t.refusal_reason]})
    transfer.__dict__.update(t.__dict__)
    return t


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer) -> Transfer:
    """The sending side withdraws a transfer nobody has accepted yet."""
    t = _pending(transfer)
    require(actor, Action.MANAGE, t.from_org or t.to_org)
    t.status, t.decided_on, t.decided_by = TransferStatus.CANCELLED, timezone.localdate(), person(actor)
    t.save(update_fields=["status", "decided_on", "decided_by"])
    _audit(
        actor,
        t,
        "transfer.cancel",
        {"状态": [str(TransferStatus.PENDING.label), str(TransferStatus.CANCELLED.label)]},
    )
    transfer.__dict__.update(t.__dict__)
    return t


@transaction.atomic
def transfer_receipt(*, actor, transfer: Transfer, returned_on: date) -> Transfer:
    """The receipt (回执) of a letter out of the city came back."""
    t = Transfer.objects.select_for_update(of=("self",)).select_related("from_org").get(pk=transfer.pk)
    require(actor, Action.MANAGE, t.from_org)
    if t.status != TransferStatus.LETTER_ISSUED:
        raise ValidationError(_("该转接已%(s)s，不能再登记回执。") % {"s": t.get_status_display()})
    _check_date(returned_on, "returned_on")
    if returned_on < t.started_on:
        raise ValidationError({"returned_on": _("回执退回日期不能早于介绍信开具日期。")})
    t.status, t.receipt_returned_on = TransferStatus.RECEIPT_RETURNED, returned_on
    t.save(update_fields=["status", "receipt_returned_on"])
    _audit(actor, t, "transfer.receipt", {"回执退回日期": [None, f"{returned_on:%Y-%m-%d}"]})
    transfer.__dict__.update(t.__dict__)
    return t


# --- reads ------------------------------------------------------------------------------------


def transfer_get(*, user, transfer_id) -> Transfer:
    return get_visible_or_404(
        Transfer.objects.visible_to(user).select_related("from_org", "to_org", "member"), pk=transfer_id
    )


def awaiting_me(*, user, limit: int = 20) -> list[Transfer]:
    """Transfers waiting for my acceptance (the receiving side and the levels above it): one query."""
    return list(
        Transfer.objects.filter(status=TransferStatus.PENDING)
        .filter(action_q(user, Action.MANAGE, "to_org__path"))
        .select_related("from_org", "to_org")
        .order_by("started_on", "id")[:limit]
    )


def letters_overdue(*, user, today: date | None = None, limit: int = 20) -> list[Transfer]:
    """Letters out of the city past their validity with no receipt back (the sending side): one query."""
    today = today or timezone.localdate()
    return list(
        Transfer.objects.filter(status=TransferStatus.LETTER_ISSUED, valid_until__lt=today)
        .filter(action_q(user, Action.MANAGE, "from_org__path"))
        .select_related("from_org")
        .order_by("valid_until", "id")[:limit]
    )


def age_on(t: Transfer, on: date) -> int:
    b = t.birth_date
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
