"""流动党员: members living elsewhere for work (outflow) and members from elsewhere who join our
activities (inflow), with their 流动党员活动证, contact and the organization they meet with.

A member with no contact recorded for ``CONTACT_MONTHS`` months shows on the secretary's home.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, person, require
from branches.scoping import get_visible_or_404

from .development import add_period
from .models import CURRENT_STATUSES, Member, MemberStatus
from .models_floating import FloatDirection, FloatingContact, FloatingRecord

CONTACT_MONTHS = 3


def _not_future(on: date, field: str) -> None:
    if on > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")})


@transaction.atomic
def floating_out_start(
    *, actor, member: Member, place: str, contact: str, started_on: date, work: str = "", card_no: str = "",
    activity_org_name: str = "",
) -> FloatingRecord:  # fmt: skip
    """流出: the member goes to work elsewhere; the status becomes 流动, the record keeps where and how to reach them."""
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    require(actor, Action.MANAGE, member.organization)
    if member.status not in CURRENT_STATUSES:
        raise ValidationError(_("只有在册党员才能登记为流动党员。"))
    if FloatingRecord.objects.filter(member=member, ended_on__isnull=True).exists():
        raise ValidationError(_("该党员已有未结束的流动登记。"))
    _not_future(started_on, "started_on")
    r = FloatingRecord(direction=FloatDirection.OUT, organization=member.organization, member=member, name=member.name,
                       gender=member.gender, place=place.strip(), work=work.strip(), contact=contact.strip(),
                       card_no=card_no.strip(), activity_org_name=activity_org_name.strip(), started_on=started_on,
                       last_contact_on=started_on, created_by=person(actor))  # fmt: skip
    r.full_clean()
    r.save()
    audit_record(actor=actor, action="floating.start", obj=member, organization=member.organization,
                 changes={"流出": [None, f"{started_on:%Y-%m-%d} {r.place}"]})  # fmt: skip
    from .services import member_status_change

    member_status_change(actor=actor, member=member, status=MemberStatus.FLOATING, on=started_on)
    return r


@transaction.atomic
def floating_in_start(
    *, actor, organization: Organization, name: str, place: str, contact: str, started_on: date, gender: str = "",
    work: str = "", card_no: str = "", origin_org_name: str = "",
) -> FloatingRecord:  # fmt: skip
    """流入: a member from elsewhere joins our organization's activities; their relation stays at home."""
    require(actor, Action.MANAGE, organization)
    _not_future(started_on, "started_on")
    if not name.strip():
        raise ValidationError({"name": _("请填写姓名。")})
    if not origin_org_name.strip():
        raise ValidationError({"origin_org_name": _("请填写其组织关系所在党组织。")})
    r = FloatingRecord(direction=FloatDirection.IN, organization=organization, name=name.strip(), gender=gender,
                       place=place.strip(), work=work.strip(), contact=contact.strip(), card_no=card_no.strip(),
                       activity_org_name=organization.name, origin_org_name=origin_org_name.strip(),
                       started_on=started_on, last_contact_on=started_on, created_by=person(actor))  # fmt: skip
    r.full_clean()
    r.save()
    audit_record(actor=actor, action="floating.start", obj=r, organization=organization,
                 changes={"流入": [None, f"{started_on:%Y-%m-%d} {r.name}（{r.origin_org_name}）"]})  # fmt: skip
    return r


@transaction.atomic
def floating_contact_add(
    *, actor, record: FloatingRecord, contacted_on: date, way: str, notes: str = ""
) -> FloatingContact:
    """联系流动党员: keeps the latest contact date on the record for the reminder."""
    require(actor, Action.MANAGE, record.organization)
    _not_future(contacted_on, "contacted_on")
    if contacted_on < record.started_on:
        raise ValidationError({"contacted_on": _("联系日期不能早于外出（流入）日期。")})
    c = FloatingContact(
        record=record, contacted_on=contacted_on, way=way, notes=notes.strip(), created_by=person(actor)
    )
    c.full_clean()
    c.save()
    if record.last_contact_on is None or contacted_on > record.last_contact_on:
        FloatingRecord.objects.filter(pk=record.pk).update(last_contact_on=contacted_on)
        record.last_contact_on = contacted_on
    audit_record(actor=actor, action="floating.contact", obj=record.member or record, organization=record.organization,
                 changes={"联系": [None, f"{contacted_on:%Y-%m-%d} {way} {c.notes}".strip()]})  # fmt: skip
    return c


@transaction.atomic
def floating_end(*, actor, record: FloatingRecord, ended_on: date) -> FloatingRecord:
    """返回 (outflow: the status goes back to 正常) or 离开 (inflow)."""
    require(actor, Action.MANAGE, record.organization)
    if record.ended_on:
        return record
    _not_future(ended_on, "ended_on")
    if ended_on < record.started_on:
        raise ValidationError({"ended_on": _("返回（离开）日期不能早于外出（流入）日期。")})
    record.ended_on = ended_on
    record.save(update_fields=["ended_on"])
    audit_record(actor=actor, action="floating.end", obj=record.member or record, organization=record.organization,
                 changes={"结束流动": [None, f"{ended_on:%Y-%m-%d}"]})  # fmt: skip
    if record.member_id:
        m = Member.objects.select_related("organization").get(pk=record.member_id)
        if m.status == MemberStatus.FLOATING:
            from .services import member_status_change

            member_status_change(actor=actor, member=m, status=MemberStatus.NORMAL, on=ended_on)
    return record


# --- reads ------------------------------------------------------------------------------------


def floating_get(*, user, record_id) -> FloatingRecord:
    return get_visible_or_404(
        FloatingRecord.objects.visible_to(user).select_related("organization", "member"), pk=record_id
    )


def contact_cutoff(today: date) -> date:
    """A record last contacted before this day is overdue for a contact (three calendar months)."""
    return add_period(today, months=-CONTACT_MONTHS)


def not_contacted(*, user, today: date | None = None, limit: int = 20) -> list[FloatingRecord]:
    """Active floating members with no contact for three months, in the user's manage scope: one query."""
    from branches.policy import action_q

    today = today or timezone.localdate()
    return list(
        FloatingRecord.objects.active()
        .filter(action_q(user, Action.MANAGE, "organization__path"))
        .annotate(last=Coalesce("last_contact_on", "started_on"))
        .filter(last__lt=contact_cutoff(today))
        .select_related("organization")
        .order_by("last", "id")[:limit]
    )


def floating_counts(*, org_paths: list[str], today: date | None = None) -> dict[str, dict[str, int]]:
    """Active outflow, inflow and not-contacted counts over each organization's subtree: one grouped query."""
    from .selectors import prefix_q

    today = today or timezone.localdate()
    out = {p: {"out": 0, "in": 0, "late": 0} for p in org_paths}
    if not org_paths:
        return out
    cutoff = contact_cutoff(today)
    rows = (
        FloatingRecord.objects.active()
        .filter(prefix_q(org_paths, "organization__path"))
        .annotate(last=Coalesce("last_contact_on", "started_on"))
        .values("organization__path")
        .annotate(
            o=Count("id", filter=Q(direction=FloatDirection.OUT)),
            i=Count("id", filter=Q(direction=FloatDirection.IN)),
            late=Count("id", filter=Q(last__lt=cutoff)),
        )
        .order_by()
    )
    for r in rows:
        for p in org_paths:
            if r["organization__path"].startswith(p):
                out[p]["out"] += r["o"]
                out[p]["in"] += r["i"]
                out[p]["late"] += r["late"]
    return out
