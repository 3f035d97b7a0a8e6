"""Writes and reads of the member card and check-in (audited: who, when, from where, what)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.policy import Action, person, require

from .cards import CheckIn, CheckInMethod, MemberCard
from .models import CURRENT_STATUSES, Category, Member, PioneerScore

SALT = "members.card"
PREFIX = "PBCARD:"  # what the QR code says before the token: other codes are told apart at once


def card_for(member: Member) -> MemberCard:
    """The member's card (issued on first use; issuing is not a change anyone needs to audit)."""
    card, _created = MemberCard.objects.get_or_create(member=member)
    return card


def card_token(member: Member, card: MemberCard | None = None) -> str:
    card = card or card_for(member)
    return PREFIX + signing.dumps(
        {"m": member.pk, "v": card.version, "n": member.name, "o": member.organization.code},
        salt=SALT,
        compress=True,
    )


@transaction.atomic
def card_revoke(*, actor, member: Member) -> MemberCard:
    """作废并补发: every QR code printed so far stops working; the new card has the next version."""
    require(actor, Action.MANAGE, member.organization)
    card = card_for(member)
    MemberCard.objects.filter(pk=card.pk).update(version=F("version") + 1, revoked_at=timezone.now())
    card.refresh_from_db()
    audit_record(actor=actor, action="member.card_revoke", obj=member, organization=member.organization,
                 changes={"党员证版本": [card.version - 1, card.version]})  # fmt: skip
    return card


def card_member(token: str) -> Member:
    """The member a scanned token names, if the token is genuine and its card version current."""
    token = (token or "").strip()
    if not token.startswith(PREFIX):
        raise ValidationError(_("这不是本系统的党员证二维码。"))
    try:
        data = signing.loads(token[len(PREFIX) :], salt=SALT)
    except signing.BadSignature:
        raise ValidationError(_("党员证二维码无效（签名不符），请核对证件。")) from None
    m = Member.objects.select_related("organization", "card").filter(pk=data.get("m")).first()
    if m is None or not hasattr(m, "card") or m.card.version != data.get("v"):
        raise ValidationError(_("该党员证已作废（已补办新证），请出示新证。"))
    if m.status not in CURRENT_STATUSES:
        raise ValidationError(_("%(name)s 不是在册党员，不能签到。") % {"name": m.name})
    return m


@dataclass
class CardFacts:
    """What the card shows: name, organization, 党龄 (years since 转正; none while probationary), stars."""

    party_years: int | None
    stars: int | None
    star_year: int | None


def card_facts(member: Member, today: date | None = None) -> CardFacts:
    today = today or timezone.localdate()
    years = None
    if member.category == Category.FULL and member.full_member_on:
        f = member.full_member_on
        years = today.year - f.year - ((today.month, today.day) < (f.month, f.day))
    score = PioneerScore.objects.filter(member=member).order_by("-year").values_list("stars", "year").first()
    return CardFacts(years, score[0] if score else None, score[1] if score else None)


@dataclass
class ScanResult:
    member: Member
    created: bool
    attended: int
    expected: int

    @property
    def message(self) -> str:
        if self.created:
            return _("%(name)s 签到成功（实到 %(a)d / 应到 %(e)d）。") % {
                "name": self.member.name, "a": self.attended, "e": self.expected}  # fmt: skip
        return _("%(name)s 已签到，无需重复扫码。") % {"name": self.member.name}


@transaction.atomic
def checkin_record(*, actor, activity, member: Member, method: str = CheckInMethod.SCAN) -> ScanResult:
    """Record a member's attendance once; the activity's attendees and 实到人数 follow."""
    from pilot.models import Activity

    require(actor, Action.MANAGE, activity.organization)
    if not member.organization.path.startswith(activity.organization.path):
        raise ValidationError(_("%(name)s 不是本组织（%(org)s）的党员，不能在本次活动签到。") % {
            "name": member.name, "org": activity.organization.name})  # fmt: skip
    if member.joined_on > activity.held_on:
        raise ValidationError(_("%(name)s 在活动之后才入党。") % {"name": member.name})
    try:
        with transaction.atomic():
            CheckIn.objects.create(activity=activity, member=member, method=method, checked_by=person(actor))
    except IntegrityError:  # the unique constraint: scanned before (or by another phone just now)
        return ScanResult(member, False, activity.attended, activity.expected)
    activity.attendees.add(member)
    attended = activity.attendees.count()
    Activity.objects.filter(pk=activity.pk).update(attended=attended)
    activity.attended = attended
    audit_record(actor=actor, action="activity.checkin", obj=activity, organization=activity.organization,
                 changes={"签到": [None, f"{member.name}（{CheckInMethod(method).label}）"]})  # fmt: skip
    return ScanResult(member, True, attended, activity.expected)


def checkin_scan(*, actor, activity, token: str) -> ScanResult:
    """A scanned card: check the token, then record the attendance once."""
    require(actor, Action.MANAGE, activity.organization)
    return checkin_record(actor=actor, activity=activity, member=card_member(token))
