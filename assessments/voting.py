"""群众评价 and 述职评议 answers, and the one-time ballots of formal evaluations.

Who may answer, how often, and what counts:
- a device (a random cookie) answers a unit once a period; a device that answered sees 已评价;
- limits are keyed on the device *and* the network address together: a village meeting of 200
  people behind one carrier address gets through (``ASSESSMENTS_SURVEY_RATE_PER_HOUR`` answers an
  hour from one address), one phone cannot pour in answers (``…_DEVICE_PER_HOUR``); only answers
  recorded count against a limit, a refused or invalid post does not;
- dropping the cookie makes a new device, but not a free vote: answers that come in a burst from
  one address and one kind of phone (more than ``ASSESSMENTS_SURVEY_BURST`` within
  ``…_BURST_MINUTES``) are flagged, shown apart in the results and left out of the rate;
- a formal evaluation uses printed one-time ballots instead (``BallotBatch``): each slip's code
  counts once, whatever phone reads it, and the level above issues them, never the unit itself.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import AuditAction, Organization
from branches.policy import Action, require

from .ballots_models import Ballot, BallotBatch, BallotPurpose
from .models import AnswerChannel, DutyRating, DutyReport, SurveyResponse

MAX_BATCH = 500


def voter_hash(device: str, scope: str) -> str:
    """A keyed hash of the browser's random device token: no personal data, one answer per device."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{device}".encode(), hashlib.sha256).hexdigest()


def source_hash(ip: str, user_agent: str) -> str:
    """A keyed hash of the network address and the kind of phone (its user agent): what stays the
    same when a cookie is dropped. Neither is stored."""
    raw = f"src:{ip or ''}:{(user_agent or '')[:300]}"
    return hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]


def current_quarter(today: date | None = None) -> str:
    today = today or timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _survey_scope(organization_id: int, period: str) -> str:
    return f"s{organization_id}:{period}"


# --- limits (the cache; counted only when an answer is recorded) -------------------------------


def _key(kind: str, who: str) -> str:
    prefix = getattr(settings, "ASSESSMENTS_CACHE_PREFIX", "assess")
    return f"{prefix}:rl:{kind}:{who}:{timezone.now():%Y%m%d%H}"


def _count(kind: str, who: str) -> int:
    try:
        return int(cache.get(_key(kind, who)) or 0)
    except (TypeError, ValueError):
        return 0


def _bump(kind: str, who: str) -> None:
    key = _key(kind, who)
    cache.add(key, 0, 3600)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)


def over_limit(*, device: str, address: str) -> bool:
    """True when this device or this address has already given its hour's answers."""
    return _count("d", voter_hash(device, "rl")) >= settings.ASSESSMENTS_SURVEY_DEVICE_PER_HOUR or (
        _count("a", address) >= settings.ASSESSMENTS_SURVEY_RATE_PER_HOUR
    )


def counted(*, device: str, address: str) -> None:
    _bump("d", voter_hash(device, "rl"))
    _bump("a", address)


def guesses_exhausted(address: str) -> bool:
    return _count("g", address) >= settings.ASSESSMENTS_BALLOT_GUESSES_PER_HOUR


def wrong_guess(address: str) -> None:
    _bump("g", address)


def _burst(qs, source: str) -> bool:
    if not source:
        return False
    since = timezone.now() - timedelta(minutes=settings.ASSESSMENTS_SURVEY_BURST_MINUTES)
    recent = qs.filter(source_hash=source, channel=AnswerChannel.DEVICE, at__gte=since)
    return recent.count() >= settings.ASSESSMENTS_SURVEY_BURST


# --- answers ------------------------------------------------------------------------------------


def survey_answered(*, organization: Organization, device: str, today: date | None = None) -> bool:
    period = current_quarter(today)
    return SurveyResponse.objects.filter(
        organization=organization, period=period, voter_hash=voter_hash(device, _survey_scope(organization.pk, period))
    ).exists()  # fmt: skip


def duty_rated(*, report: DutyReport, device: str) -> bool:
    return DutyRating.objects.filter(report=report, voter_hash=voter_hash(device, f"d{report.pk}")).exists()


@transaction.atomic
def survey_answer(
    *,
    organization: Organization,
    device: str,
    rating: str,
    comment="",
    today: date | None = None,
    source: str = "",
    ballot: Ballot | None = None,
) -> SurveyResponse | None:
    """Record one public answer; ``None`` when this device (or this ballot) already answered."""
    today = today or timezone.localdate()
    period = ballot.batch.period if ballot else current_quarter(today)
    scope = _survey_scope(organization.pk, period)
    r = SurveyResponse(
        organization=organization,
        period=period,
        answered_on=today,
        rating=rating,
        comment=(comment or "").strip()[:500],
        voter_hash=voter_hash(f"ballot:{ballot.code}", scope) if ballot else voter_hash(device, scope),
        channel=AnswerChannel.BALLOT if ballot else AnswerChannel.DEVICE,
        source_hash="" if ballot else source,
        at=timezone.now(),
    )
    r.full_clean(exclude=["voter_hash", "source_hash"])
    if not ballot:
        r.flagged = _burst(SurveyResponse.objects.filter(organization=organization, period=period), source)
    try:
        with transaction.atomic():
            r.save()
    except IntegrityError:
        return None
    return r


@transaction.atomic
def duty_rate(
    *,
    report: DutyReport,
    device: str,
    rater: str,
    rating: str,
    source: str = "",
    ballot: Ballot | None = None,
) -> DutyRating | None:
    r = DutyRating(
        report=report,
        rater=rater,
        rating=rating,
        voter_hash=voter_hash(f"ballot:{ballot.code}" if ballot else device, f"d{report.pk}"),
        channel=AnswerChannel.BALLOT if ballot else AnswerChannel.DEVICE,
        source_hash="" if ballot else source,
    )
    r.full_clean(exclude=["voter_hash", "source_hash"])
    if not ballot:
        r.flagged = _burst(DutyRating.objects.filter(report=report), source)
    try:
        with transaction.atomic():
            r.save()
    except IntegrityError:
        return None
    return r


# --- one-time ballots ---------------------------------------------------------------------------


@transaction.atomic
def ballots_issue(
    *, actor, organization: Organization, purpose: str, size, note: str = "", today: date | None = None
) -> BallotBatch:
    """The level above prints ``size`` slips for a formal evaluation of ``organization``."""
    require(actor, Action.REVIEW, organization)
    try:
        size = int(str(size).strip())
    except ValueError:
        raise ValidationError({"size": _("票数应为 1 到 %(n)s 的整数。") % {"n": MAX_BATCH}}) from None
    if not 1 <= size <= MAX_BATCH:
        raise ValidationError({"size": _("票数应为 1 到 %(n)s 的整数。") % {"n": MAX_BATCH}})
    if purpose not in BallotPurpose.values:
        raise ValidationError({"purpose": _("请选择评价类型。")})
    today = today or timezone.localdate()
    report = None
    period = current_quarter(today)
    if purpose == BallotPurpose.DUTY:
        report = DutyReport.objects.filter(organization=organization).order_by("-year").first()
        if report is None:
            raise ValidationError({"purpose": _("该单位尚未提交述职报告，不能制作述职评议票。")})
        period = str(report.year)
    batch = BallotBatch.objects.create(
        organization=organization,
        purpose=purpose,
        period=period,
        duty_report=report,
        size=size,
        note=(note or "").strip()[:100],
        issued_by=actor,
    )
    codes: set[str] = set()
    while len(codes) < size:
        codes.add(Ballot.new_code())
    Ballot.objects.bulk_create([Ballot(batch=batch, code=c) for c in sorted(codes)])
    audit_record(
        actor=actor,
        action=AuditAction.BALLOT_ISSUE,
        obj=batch,
        organization=organization,
        changes={"purpose": purpose, "period": period, "size": size},
    )
    return batch


def ballot_for_code(code: str) -> Ballot | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    return (
        Ballot.objects.select_related("batch__organization", "batch__duty_report").filter(code=code).first()
    )


@transaction.atomic
def ballot_answer(*, code: str, rating: str, comment: str = "", rater: str = "") -> str:
    """Answer with a slip: ``"thanks"``, or ``"used"`` when the slip was used before. The slip is
    burnt in the same transaction as the answer, so it counts exactly once."""
    # FOR UPDATE OF the slip only (PostgreSQL refuses to lock the nullable side of the join)
    ballot = Ballot.objects.select_for_update(of=("self",)).select_related(
        "batch__organization", "batch__duty_report"
    )
    ballot = ballot.filter(code=(code or "").strip().upper()).first()
    if ballot is None:
        raise ValidationError({"code": _("评价票无效。")})
    if ballot.used_at is not None:
        return "used"
    batch = ballot.batch
    if batch.purpose == BallotPurpose.DUTY:
        answer = duty_rate(report=batch.duty_report, device="", rater=rater, rating=rating, ballot=ballot)
    else:
        answer = survey_answer(
            organization=batch.organization, device="", rating=rating, comment=comment, ballot=ballot
        )
    if answer is None:
        return "used"
    ballot.used_at = timezone.now()
    ballot.save(update_fields=["used_at"])
    return "thanks"
