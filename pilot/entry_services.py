"""Data the portal's units enter themselves (once only the back office could): a village's
collective income (the village reports, the township confirms), brands with their six parts and
typical cases (the unit writes, the level above publishes), weekly-meeting decisions assigned to
the townships or units that carry them out, and the pocketbook's ratings by members and the public.
Every write is checked by ``branches.policy`` and audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, diff
from branches.models import AuditAction, Domain, Organization
from branches.policy import Action, require

from .evidence import check_upload
from .models import Brand, BrandCase, BrandKind, CollectiveIncome, Commitment, IncomeStatus
from .pocketbook_models import CommitmentRating

BRAND_PARTS = ("name", "kind", "concept", "theory", "method", "vehicle", "vision")


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def _money(value, field: str) -> Decimal:
    try:
        d = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写以万元为单位的数字，如 12.5。")}) from None
    if d < 0 or d >= Decimal("100000000"):
        raise ValidationError({field: _("金额应在 0 到 1 亿万元之间。")})
    return d.quantize(Decimal("0.01"))


# --- 村级集体经济收入: the village reports, the township confirms -------------------------------


@transaction.atomic
def income_report(
    *, actor, organization: Organization, year: int, income, note: str = ""
) -> CollectiveIncome:
    """The village (acting for itself) reports its collective income for ``year`` (万元). A confirmed
    figure is not changed here: the township returns it first."""
    require(actor, Action.REPORT, organization)
    if organization.domain != Domain.VILLAGE:
        raise ValidationError({"income": _("只有村党组织填报村级集体经济收入。")})
    amount = _money(income, "income")
    row = CollectiveIncome.objects.select_for_update().filter(organization=organization, year=year).first()
    if row is not None and row.status == IncomeStatus.CONFIRMED:
        raise ValidationError(
            {"income": _("%(y)s 年的收入已由乡镇确认；如需更正，请联系乡镇退回。") % {"y": year}}
        )
    before = {"income": row.income, "note": row.note} if row else {}
    if row is None:
        last = (
            CollectiveIncome.objects.filter(organization=organization, year__lt=year)
            .order_by("-year")
            .first()
        )
        row = CollectiveIncome(organization=organization, year=year, target=last.target if last else Decimal("10"),
                               is_weak=bool(last and last.is_weak))  # fmt: skip
    row.income, row.note = amount, (note or "").strip()[:200]
    row.status, row.return_reason = IncomeStatus.SUBMITTED, ""
    row.reported_by, row.reported_at = _person(actor), timezone.now()
    row.confirmed_by, row.confirmed_at = None, None
    row.full_clean(validate_unique=False)
    row.save()
    audit_record(actor=actor, action=AuditAction.INCOME_REPORT, obj=row, organization=organization,
                 changes=diff(before, {"income": row.income, "note": row.note}))  # fmt: skip
    return row


@transaction.atomic
def income_confirm(*, actor, income: CollectiveIncome, target=None, is_weak=None) -> CollectiveIncome:
    """The township confirms a reported figure (and may set the year's target); never the person
    who reported it."""
    require(actor, Action.REVIEW, income)
    if income.status != IncomeStatus.SUBMITTED:
        raise ValidationError({"status": _("该收入不在待确认状态。")})
    before = {"target": income.target, "is_weak": income.is_weak}
    if target not in (None, ""):
        income.target = _money(target, "target")
    if is_weak is not None:
        income.is_weak = bool(is_weak)
    income.status, income.confirmed_by, income.confirmed_at = (
        IncomeStatus.CONFIRMED,
        _person(actor),
        timezone.now(),
    )
    income.save()
    audit_record(actor=actor, action=AuditAction.INCOME_CONFIRM, obj=income, organization=income.organization,
                 changes=diff(before, {"target": income.target, "is_weak": income.is_weak}))  # fmt: skip
    return income


@transaction.atomic
def income_return(*, actor, income: CollectiveIncome, reason: str) -> CollectiveIncome:
    require(actor, Action.REVIEW, income)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时请写明原因。")})
    if income.status == IncomeStatus.RETURNED:
        raise ValidationError({"status": _("该收入已退回。")})
    income.status, income.return_reason = IncomeStatus.RETURNED, reason[:200]
    income.confirmed_by = income.confirmed_at = None
    income.save()
    audit_record(actor=actor, action=AuditAction.INCOME_RETURN, obj=income, organization=income.organization,
                 changes={"reason": reason[:200]})  # fmt: skip
    return income


# --- 党建品牌: the unit writes its six parts and typical cases; the level above publishes ------------


@transaction.atomic
def brand_save(*, actor, organization: Organization, brand: Brand | None = None, **parts) -> Brand:
    """Create or edit a brand's parts (理念、理论支撑、方法路径、活动载体、成效愿景; 典型个案 below).
    A published brand is edited only after the level above withdraws it."""
    require(actor, Action.MANAGE, organization)
    if brand is not None and brand.published_at is not None:
        raise ValidationError({"name": _("品牌已发布到全市展示；修改前请上级党组织撤回展示。")})
    created = brand is None
    brand = brand or Brand(organization=organization, created_by=_person(actor))
    before = {f: getattr(brand, f) for f in BRAND_PARTS} if not created else {}
    for f in BRAND_PARTS:
        if f in parts:
            setattr(brand, f, (parts[f] or "").strip())
    if brand.kind not in BrandKind.values:
        raise ValidationError({"kind": _("请选择品牌类别。")})
    if not brand.name:
        raise ValidationError({"name": _("请填写品牌名称。")})
    brand.full_clean()
    brand.save()
    audit_record(actor=actor, action=AuditAction.BRAND_SAVE, obj=brand, organization=organization,
                 changes=diff(before, {f: getattr(brand, f) for f in BRAND_PARTS}))  # fmt: skip
    return brand


@transaction.atomic
def brand_case_add(*, actor, brand: Brand, title: str, body: str, photo=None) -> BrandCase:
    """A typical case (典型个案) with an optional photo, checked by its content like evidence."""
    require(actor, Action.MANAGE, brand.organization)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError({"title": _("请填写典型个案的标题和内容。")})
    case = BrandCase(brand=brand, title=title[:120], body=body, created_by=_person(actor))
    if photo:
        checked = check_upload(photo)
        if checked.kind != "image":
            raise ValidationError(
                {"photo": _("“%(n)s”：典型个案只能附照片。") % {"n": checked.original_name}}
            )
        main, display = checked.stored()
        case.photo.save((display or main).name, display or main, save=False)
    case.full_clean()
    case.save()
    audit_record(actor=actor, action=AuditAction.BRAND_CASE_ADD, obj=case, organization=brand.organization)
    return case


# --- 口袋书评价: members and the public rate each commitment through the unit's QR link -----------


def commitment_rate(
    *, commitment: Commitment, device: str, rater: str, rating: str, source: str = ""
) -> bool:
    """One rating per commitment per device; ``False`` when this device rated it before. The
    commitment's 党员群众评价 becomes (满意 + ½ 基本满意) / ratings × 100 over unflagged ratings."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import IntegrityError

    from assessments.voting import voter_hash

    if rater not in CommitmentRating.Rater.values or rating not in CommitmentRating.Rating.values:
        raise ValidationError({"rating": _("请选择您的身份和评价。")})
    since = timezone.now() - timedelta(minutes=settings.ASSESSMENTS_SURVEY_BURST_MINUTES)
    flagged = bool(source) and (
        CommitmentRating.objects.filter(commitment=commitment, source_hash=source, at__gte=since).count()
        >= settings.ASSESSMENTS_SURVEY_BURST
    )
    r = CommitmentRating(commitment=commitment, rater=rater, rating=rating, source_hash=source, flagged=flagged,
                         voter_hash=voter_hash(device, f"c{commitment.pk}"))  # fmt: skip
    try:
        with transaction.atomic():
            r.save()
    except IntegrityError:
        return False
    commitment_rating_refresh([commitment.pk])
    return True


def commitment_rating_refresh(ids) -> None:
    """Recompute 党员群众评价 of these commitments from their ratings (one query each way)."""
    agg = (
        CommitmentRating.objects.filter(commitment_id__in=ids, flagged=False)
        .values("commitment_id")
        .annotate(n=Count("id"), s=Count("id", filter=Q(rating="satisfied")), b=Count("id", filter=Q(rating="basic")))
    )  # fmt: skip
    for row in agg:
        score = (Decimal(row["s"]) + Decimal(row["b"]) / 2) * 100 / row["n"]
        Commitment.objects.filter(pk=row["commitment_id"]).update(rating=score.quantize(Decimal("0.1")))


# --- 一周一例会: decisions assigned to the townships or units that carry them out -----------------


def resolve_assignee(meeting_org: Organization, text: str) -> Organization | None:
    """The organization named by code, full name or short name within the meeting's subtree."""
    text = (text or "").strip()
    if not text:
        return meeting_org
    qs = Organization.objects.filter(path__startswith=meeting_org.path)
    found = list(qs.filter(Q(code=text) | Q(name=text) | Q(short_name=text))[:2])
    return found[0] if len(found) == 1 else None


def assigned_decisions(*, user, open_only: bool = True, limit: int = 50):
    """Decisions of a level above's weekly meeting assigned to the user's own organizations."""
    from .models import DecisionStatus, MeetingDecision
    from .selectors import own_org_ids

    own = own_org_ids(user)
    qs = (
        MeetingDecision.objects.visible_to(user)
        .filter(organization_id__in=own)
        .exclude(meeting__organization_id=F("organization_id"))
        .select_related("meeting", "meeting__organization", "organization")
        .order_by("status", "due_date", "id")
    )
    if open_only:
        qs = qs.filter(status=DecisionStatus.OPEN)
    return list(qs[:limit])
