"""Writes on the pioneer index (先锋指数): schemes, versions, assessments and scores. Each is audited."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, person, require

from . import bulk
from .models import Element, Part, PioneerEntry, PioneerIndicator, PioneerScheme, PioneerScore, SchemeStatus
from .participation import participation_values

# The first indicator is computed from the dues and check-in records where a member has them.
PARTICIPATION = "按时参加组织生活、交纳党费"
DEFAULT_INDICATORS = [
    (Element.COVERAGE, PARTICIPATION, 20),
    (Element.TEAM, "学习教育与能力提升", 20),
    (Element.ACTIVITY, "参加主题党日与志愿服务", 20),
    (Element.SYSTEM, "遵规守纪、履行党员义务", 20),
    (Element.GUARANTEE, "联系服务群众、发挥先锋作用", 20),
]
DEFAULT_VETO = "违纪违法或造成恶劣影响（清零项）"


@transaction.atomic
def pioneer_scheme_default(*, year: int, from_records: bool = True) -> PioneerScheme:
    """The year's published scheme, creating and publishing the default one if there is none.
    ``from_records=False``: 按时参加组织生活、交纳党费 is rated like the others instead of computed
    from dues and attendance records (a year from before those records were kept here)."""
    scheme = PioneerScheme.objects.filter(year=year, status=SchemeStatus.PUBLISHED).first()
    if scheme:
        return scheme
    version = (PioneerScheme.objects.filter(year=year).order_by("-version").values_list("version", flat=True)
               .first() or 0) + 1  # fmt: skip
    scheme = PioneerScheme.objects.create(year=year, version=version, name="先锋指数评价方案")
    PioneerIndicator.objects.bulk_create(
        [PioneerIndicator(scheme=scheme, element=e, name=n, weight=w, order=i,
                          source="participation" if n == PARTICIPATION and from_records else "")
         for i, (e, n, w) in enumerate(DEFAULT_INDICATORS)]
        + [PioneerIndicator(scheme=scheme, element=Element.SYSTEM, name=DEFAULT_VETO, is_veto=True, order=99)]
    )  # fmt: skip
    return pioneer_scheme_publish(actor=None, scheme=scheme)


def scheme_validate(scheme: PioneerScheme) -> None:
    scheme.full_clean()
    weights = [i.weight for i in scheme.indicators.all() if not i.is_veto]
    if sum(weights) != 100:
        raise ValidationError(_("各指标分值之和须为 100，当前为 %(n)d。") % {"n": sum(weights)})


@transaction.atomic
def pioneer_scheme_publish(*, actor, scheme: PioneerScheme) -> PioneerScheme:
    """Publish a draft; the year's previously published version becomes superseded."""
    if scheme.status != SchemeStatus.DRAFT:
        raise ValidationError("只有草稿可以发布。")
    scheme_validate(scheme)
    PioneerScheme.objects.filter(year=scheme.year, status=SchemeStatus.PUBLISHED).update(
        status=SchemeStatus.SUPERSEDED
    )
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor, action="pioneer.scheme_publish", obj=scheme, changes={"状态": ["草稿", "已发布"]}
    )
    return scheme


@transaction.atomic
def pioneer_scheme_new_version(*, actor, scheme: PioneerScheme) -> PioneerScheme:
    """Copy a scheme (with its indicators) into a new draft version: published ones are never edited."""
    version = PioneerScheme.objects.filter(year=scheme.year).order_by("-version").first().version + 1
    indicators = list(scheme.indicators.all())
    new = PioneerScheme.objects.get(pk=scheme.pk)
    new.pk, new.version, new.status, new.published_at = None, version, SchemeStatus.DRAFT, None
    new.save()
    for i in indicators:
        i.pk, i.scheme = None, new
    PioneerIndicator.objects.bulk_create(indicators)
    audit_record(
        actor=actor, action="pioneer.scheme_copy", obj=new, changes={"来源版本": [None, scheme.version]}
    )
    return new


@transaction.atomic
def pioneer_entries_save(
    *, actor, org: Organization, scheme: PioneerScheme, part: str, rows: list[dict]
) -> int:
    """Save one part's assessment for many members at once (the branch grid), then rescore them.

    ``rows``: ``{"member": Member, "values": {indicator_id: 0–100}, "vetoed": bool}``.
    """
    require(actor, Action.MANAGE, org)  # services._require_manage
    if scheme.status != SchemeStatus.PUBLISHED:
        raise ValidationError("该方案未发布，不能录入评价。")
    if part not in Part.values:
        raise ValidationError("无效的评价方式。")
    for r in rows:
        if not r["member"].organization.path.startswith(org.path):
            raise PermissionDenied
    by_member = {
        e.member_id: e
        for e in PioneerEntry.objects.filter(scheme=scheme, part=part, member__in=[r["member"] for r in rows])
    }
    create, update = [], []
    for r in rows:
        values = {str(k): int(v) for k, v in r["values"].items() if v is not None}
        e = by_member.get(r["member"].pk)
        if e is None:
            create.append(PioneerEntry(scheme=scheme, member=r["member"], part=part, values=values,
                                       vetoed=r["vetoed"], entered_by=person(actor)))  # fmt: skip
        elif e.values != values or e.vetoed != r["vetoed"]:
            e.values, e.vetoed, e.entered_by = values, r["vetoed"], person(actor)
            update.append(e)
    PioneerEntry.objects.bulk_create(create, batch_size=500)
    PioneerEntry.objects.bulk_update(update, ["values", "vetoed", "entered_by", "entered_at"], batch_size=500)
    changed = create + update
    if changed:
        audit_record(actor=actor, action="pioneer.entries", obj=org, organization=org,
                     changes={"年度": scheme.year, "评价方式": str(Part(part).label), "人数": len(changed)})  # fmt: skip
    pioneer_scores_compute(scheme=scheme, member_ids=[r["member"].pk for r in rows])
    return len(changed)


def _q(x) -> Decimal:
    return Decimal(x).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def pioneer_scores_compute(*, scheme: PioneerScheme, member_ids=None) -> int:
    """Score members from their entries (three queries, then one upsert), keeping the breakdown.

    index = Σ over parts present of part weight × Σ indicator weight × value / 100, rescaled to the
    weights of the parts present; a member needs the branch assessment to be rated. Any 清零 veto
    zeroes the index and the stars.
    """
    indicators = [(str(i.pk), i.name, i.weight) for i in scheme.indicators.all() if not i.is_veto]
    weights = scheme.part_weights
    entries = PioneerEntry.objects.filter(scheme=scheme)
    if member_ids is not None:
        entries = entries.filter(member_id__in=member_ids)
    per_member: dict[int, dict[str, tuple]] = {}
    for mid, part, values, vetoed in entries.values_list("member_id", "part", "values", "vetoed"):
        per_member.setdefault(mid, {})[part] = (values, vetoed)
    # Indicators computed from records (按时交纳党费、参加组织生活): the same value in every part.
    sourced = {str(i.pk) for i in scheme.indicators.all() if i.source == "participation" and not i.is_veto}
    auto = participation_values(member_ids=member_ids, year=scheme.year) if sourced else {}
    scores = []
    now = timezone.now()
    for mid, parts in per_member.items():
        if Part.BRANCH not in parts:
            continue
        # Integer arithmetic (weights and values are integers), one exact division at the end.
        breakdown = {
            "scheme_version": scheme.version,
            "parts": {},
            "indicators": {n: {} for _k, n, _w in indicators},
        }
        total_w = sum(weights[p] for p in parts)
        numerator = 0
        vetoed = False
        for p, (values, p_vetoed) in parts.items():
            part_x100 = 0
            for key, name, w in indicators:
                v = auto[mid] if key in sourced and mid in auto else values.get(key, 0)
                part_x100 += w * v
                breakdown["indicators"][name][p] = v
            breakdown["parts"][p] = {"score": str(_q(Decimal(part_x100) / 100)), "weight": weights[p]}
            numerator += part_x100 * weights[p]
            vetoed = vetoed or p_vetoed
        total = Decimal(0) if vetoed else _q(Decimal(numerator) / (100 * total_w))
        breakdown["vetoed"] = vetoed
        if mid in auto and sourced:
            breakdown["computed"] = auto[mid]
        stars = 0 if vetoed else scheme.stars_for(total)
        scores.append((mid, scheme.pk, scheme.year, total, stars, vetoed, breakdown, now))
    bulk.insert_rows(
        PioneerScore,
        ("member_id", "scheme_id", "year", "total", "stars", "vetoed", "breakdown", "computed_at"),
        scores,
        conflict=(
            ("member_id", "year"),
            ("scheme_id", "total", "stars", "vetoed", "breakdown", "computed_at"),
        ),
    )
    return len(scores)
