"""Named indicator sources: each is ONE set-based SQL statement (GROUP BY organization).

By default a run executes each source once for the whole city (``org_ids=None``: one sequential
pass, the cheapest plan for a table like the 2.4-million-row checklist) and every chunk reads its
units from that result; with ``ASSESSMENTS_SOURCE_SCOPE = "chunk"`` each chunk runs the statement
for the organizations of its own subtrees (``organization_id IN …``), for cities too large to keep
one row per organization and source in memory.

A source takes a ``SourceContext`` (the organization ids, or None for all; the period) and
returns ``{organization_id: (numerator, denominator)}`` for ratio sources or
``{organization_id: value}`` for counts/values. ``scoring`` rolls the rows of a unit's subtree up
to the unit (sum of numerators / sum of denominators) — a unit's score includes its branches.

Adding a source: write a function here (or, for 试点推进, in ``sources_pilot``), register it in
``SOURCES``. Its ``link`` names the page that lists the rows behind the number (the "why" of
every point on the results page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, Max, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sources_pilot import (
    honors,
    pilot_brand_cases,
    pilot_brands,
    pilot_funding,
    pilot_income_rate,
    pilot_life_months,
    pilot_pocketbook,
    pilot_pocketbook_rating,
)


@dataclass(frozen=True)
class SourceContext:
    org_ids: list[int] | None  # None: every organization (a run-wide statement)
    start: date
    end: date  # inclusive
    period: str
    year: int
    domains: dict[int, str]  # organization id → domain (for standards)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def orgs(self, field: str = "organization_id") -> dict:
        return {} if self.org_ids is None else {f"{field}__in": self.org_ids}

    def once(self, key: str, fn):
        """Sources reading the same table share one statement per chunk (e.g. completion and
        timeliness are two conditional counts of the same scan)."""
        if key not in self.memo:
            self.memo[key] = fn()
        return self.memo[key]

    @property
    def start_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass(frozen=True)
class Source:
    label: str
    fn: Callable[[SourceContext], dict]
    shape: str  # "ratio", "value" or "months" (a bitmask of months with activity, see life_months)
    link: str = ""  # how the results page links to the rows behind it
    percent: bool = True  # a ratio shown as a rate (87.5%); False: a mean shown as it is (82.5)
    rollup: str = "sum"  # how a unit's subtree adds up: "sum", "max" (highest level) or "or" (months)


def _ratio_rows(qs, num, den=None) -> dict:
    den = den or Count("*")
    rows = qs.values("organization_id").annotate(n=num, d=den).values_list("organization_id", "n", "d")
    return {oid: (n or 0, d or 0) for oid, n, d in rows}


# --- pilot (一月一清单): task completion and timeliness ----------------------------------------------


def _pilot_items(ctx: SourceContext) -> dict:
    """Checklist items of the period per organization: (due, accepted, on time) — one grouped
    statement, for the whole city or restricted to a chunk's organizations.

    The counts are the pilot app's (``pilot.selectors.completion_by_org``: the same items, the
    same ``late_q`` rule, tested equal) so pages, reports and scores count the same way; only the
    three counts a score reads are computed (the selector's two others cost a fifth of the scan).
    An item falls due inside its own month (``Task.due_in``), so the period's months select the
    items due in the period."""
    from pilot.models import ChecklistItem, late_q

    done = Q(status__in=["submitted", "accepted"])
    rows = (
        ChecklistItem.objects.filter(**ctx.orgs(), period__gte=ctx.start, period__lte=ctx.end)
        .values("organization_id")
        .annotate(
            due=Count("*"),
            accepted=Count("id", filter=Q(status="accepted")),
            on_time=Count("id", filter=done & ~late_q(timezone.localdate())),
        )
        .values_list("organization_id", "due", "accepted", "on_time")
    )
    return {r[0]: r[1:] for r in rows}


def pilot_completion(ctx: SourceContext) -> dict:
    """Share of the checklist items of the period's months that were accepted (完成率)."""
    rows = ctx.once("pilot_items", lambda: _pilot_items(ctx))
    return {oid: (accepted, due) for oid, (due, accepted, _o) in rows.items()}


def pilot_timeliness(ctx: SourceContext) -> dict:
    """Share of the period's items submitted (or accepted) and not late (按时报送率)."""
    rows = ctx.once("pilot_items", lambda: _pilot_items(ctx))
    return {oid: (on_time, due) for oid, (due, _a, on_time) in rows.items()}


def pilot_activities(ctx: SourceContext) -> dict:
    """Organization activities held (主题党日、三会一课 …) in the period."""
    from pilot.models import Activity

    rows = (
        Activity.objects.filter(**ctx.orgs(), held_on__gte=ctx.start, held_on__lte=ctx.end)
        .values("organization_id")
        .annotate(n=Count("*"))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def pilot_attendance(ctx: SourceContext) -> dict:
    """组织生活出勤率: members present (check-in or the activity's roster) / members expected, over the
    period's activities — Σ 实到人数 / Σ 应到人数."""
    from pilot.models import Activity

    qs = Activity.objects.filter(**ctx.orgs(), held_on__gte=ctx.start, held_on__lte=ctx.end, expected__gt=0)
    return _ratio_rows(qs, Sum("attended"), Sum("expected"))


# --- members ---------------------------------------------------------------------------------------


def members_eid_rate(ctx: SourceContext) -> dict:
    """党员电子身份认证率: authenticated current members / current members (as of now)."""
    from members.models import CURRENT_STATUSES, Member

    qs = Member.objects.filter(**ctx.orgs(), status__in=CURRENT_STATUSES)
    return _ratio_rows(qs, Count("eid_authenticated", filter=Q(eid_authenticated=True)))  # index-only


def members_five_star_rate(ctx: SourceContext) -> dict:
    """五星党员 share among the members rated that year (the members app's pioneer index, 双五星)."""
    from members.models import PioneerScore

    rows = (
        PioneerScore.objects.filter(year=ctx.year, **ctx.orgs("member__organization_id"))
        .values("member__organization_id")
        .annotate(n=Count("id", filter=Q(stars=5)), d=Count("*"))
        .values_list("member__organization_id", "n", "d")
    )
    return {oid: (n, d) for oid, n, d in rows}


def members_pioneer_index(ctx: SourceContext) -> dict:
    """先锋指数: the mean pioneer index (0–100) of the current members rated that year — the
    members' side of 双指数 feeding their branch's fortress index. (sum of indices, members rated),
    so a branch's 党小组 roll up into one mean."""
    from members.models import CURRENT_STATUSES, PioneerScore

    rows = (
        PioneerScore.objects.filter(
            year=ctx.year, member__status__in=CURRENT_STATUSES, **ctx.orgs("member__organization_id")
        )
        .values("member__organization_id")
        .annotate(n=Sum("total"), d=Count("*"))
        .values_list("member__organization_id", "n", "d")
    )
    return {oid: (float(n or 0), d) for oid, n, d in rows}


# --- this app ---------------------------------------------------------------------------------------


def standards_met(ctx: SourceContext) -> dict:
    """合格支部标准: items verified as met by the level above / items of the domain's standard."""
    from .models import StandardCheck, StandardItem, StandardStatus

    met = dict(
        StandardCheck.objects.filter(
            **ctx.orgs(),
            item__standard__year=ctx.year,
            item__standard__status=StandardStatus.PUBLISHED,
            verified_met=True,
        )
        .values("organization_id")
        .annotate(n=Count("*"))
        .values_list("organization_id", "n")
    )
    per_domain = dict(
        StandardItem.objects.filter(standard__year=ctx.year, standard__status=StandardStatus.PUBLISHED)
        .values("standard__domain")
        .annotate(n=Count("*"))
        .values_list("standard__domain", "n")
    )
    out = {}
    for oid, n in met.items():
        out[oid] = (n, per_domain.get(ctx.domains.get(oid, ""), 0))
    return out


SEVERITY_WEIGHT = Case(
    When(severity="serious", then=Value(3)),
    When(severity="general", then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def findings_weighted(ctx: SourceContext) -> dict:
    """Inspection findings in the period, weighted 轻微 1 · 一般 2 · 严重 3 (withdrawn ones excluded)."""
    from .models import Finding

    rows = (
        Finding.objects.filter(**ctx.orgs(), found_on__gte=ctx.start, found_on__lte=ctx.end)
        .exclude(status="withdrawn")
        .values("organization_id")
        .annotate(n=Sum(SEVERITY_WEIGHT))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def findings_serious(ctx: SourceContext) -> dict:
    from .models import Finding

    rows = (
        Finding.objects.filter(
            **ctx.orgs(),
            found_on__gte=ctx.start,
            found_on__lte=ctx.end,
            severity="serious",
        )
        .exclude(status="withdrawn")
        .values("organization_id")
        .annotate(n=Count("*"))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def rectification_on_time(ctx: SourceContext) -> dict:
    """Rectification items due in the period that were closed (销号) by their deadline."""
    from .models import Finding

    qs = Finding.objects.filter(**ctx.orgs(), deadline__gte=ctx.start, deadline__lte=ctx.end).exclude(
        status="withdrawn"
    )
    return _ratio_rows(qs, Count("id", filter=Q(closed_on_time=True)))


def rectification_overdue(ctx: SourceContext) -> dict:
    """Rectification items due in the period not closed on time (still open past the deadline,
    or closed late)."""
    from .models import Finding, finding_overdue_q

    as_of = min(ctx.end, timezone.localdate())
    rows = (
        Finding.objects.filter(**ctx.orgs(), deadline__gte=ctx.start, deadline__lt=as_of)
        .filter(Q(closed_on_time=False) | finding_overdue_q(as_of))
        .values("organization_id")
        .annotate(n=Count("*"))
        .values_list("organization_id", "n")
    )
    return dict(rows)


_SAT = Sum(
    Case(
        When(rating="satisfied", then=Value(2)),
        When(rating="basic", then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
)


def survey_satisfaction(ctx: SourceContext) -> dict:
    """群众满意度: (满意 + ½ 基本满意) / answers in the period. Numerator counted in halves.
    Answers flagged as a burst from one address and one kind of phone are not counted."""
    from .models import SurveyResponse

    qs = SurveyResponse.objects.filter(
        **ctx.orgs(), answered_on__gte=ctx.start, answered_on__lte=ctx.end, flagged=False
    )
    rows = (
        qs.values("organization_id").annotate(n=_SAT, d=Count("*")).values_list("organization_id", "n", "d")
    )
    return {oid: ((n or 0) / 2, d) for oid, n, d in rows}


def duty_rating(ctx: SourceContext) -> dict:
    """述职评议: (满意 + ½ 基本满意) / ratings of the year's duty report."""
    from .models import DutyRating

    rows = (
        DutyRating.objects.filter(**ctx.orgs("report__organization_id"), report__year=ctx.year, flagged=False)
        .values("report__organization_id")
        .annotate(n=_SAT, d=Count("*"))
        .values_list("report__organization_id", "n", "d")
    )
    return {oid: ((n or 0) / 2, d) for oid, n, d in rows}


def duty_rating_by(rater: str) -> Callable[[SourceContext], dict]:
    """述职评议 by members only or by the public only: (满意 + ½ 基本满意) / their ratings."""

    def fn(ctx: SourceContext) -> dict:
        from .models import DutyRating

        rows = (
            DutyRating.objects.filter(
                **ctx.orgs("report__organization_id"), report__year=ctx.year, rater=rater
            )
            .values("report__organization_id")
            .annotate(n=_SAT, d=Count("*"))
            .values_list("report__organization_id", "n", "d")
        )
        return {oid: ((n or 0) / 2, d) for oid, n, d in rows}

    return fn


def _entries(ctx: SourceContext) -> dict:
    from .models import AssessorEntry

    rows = (
        AssessorEntry.objects.filter(**ctx.orgs(), period=ctx.period)
        .values("organization_id", "code")
        .annotate(
            sup=Max("value", filter=Q(stage="superior")),
            mass=Max("value", filter=Q(stage="mass")),
            own=Max("value", filter=Q(stage="self")),
        )
        .values_list("organization_id", "code", "sup", "mass", "own")
    )
    out: dict = {}
    for oid, code, s, m, o in rows:
        out.setdefault(code, {})[oid] = next(v for v in (s, m, o) if v is not None)
    return out


def entered(code: str) -> Callable[[SourceContext], dict]:
    """A value entered by a person (自评, 上级评定, honors, innovation, veto situations):
    the superior's entry when there is one, otherwise the mass evaluation's, otherwise the
    self-assessment. All codes of a chunk come from one statement."""

    def fn(ctx: SourceContext) -> dict:
        return ctx.once("entries", lambda: _entries(ctx)).get(code, {})

    return fn


SOURCES: dict[str, Source] = {
    "pilot.completion": Source(_("一月一清单完成率"), pilot_completion, "ratio", "pilot"),
    "pilot.timeliness": Source(_("按时报送率"), pilot_timeliness, "ratio", "pilot"),
    "pilot.activities": Source(_("组织活动次数"), pilot_activities, "value", "activities"),
    "pilot.attendance": Source(_("组织生活出勤率"), pilot_attendance, "ratio", "activities"),
    "members.eid_rate": Source(_("党员电子身份认证率"), members_eid_rate, "ratio", "members"),
    "members.five_star_rate": Source(_("五星党员占比"), members_five_star_rate, "ratio", "members"),
    "members.pioneer_index": Source(
        _("党员先锋指数（平均）"), members_pioneer_index, "ratio", "members", percent=False
    ),
    "standards.met": Source(_("合格支部标准达标率"), standards_met, "ratio", "standards"),
    "findings.weighted": Source(_("督查发现问题（加权件数）"), findings_weighted, "value", "findings"),
    "findings.serious": Source(_("严重问题件数"), findings_serious, "value", "findings"),
    "rectification.on_time": Source(_("按期整改率"), rectification_on_time, "ratio", "findings"),
    "rectification.overdue": Source(_("逾期未整改件数"), rectification_overdue, "value", "findings"),
    "survey.satisfaction": Source(_("群众满意度"), survey_satisfaction, "ratio", "surveys"),
    "duty.rating": Source(_("述职评议满意度"), duty_rating, "ratio", "duty"),
    "duty.rating.member": Source(_("述职评议满意度（党员）"), duty_rating_by("member"), "ratio", "duty"),
    "duty.rating.public": Source(_("述职评议满意度（群众）"), duty_rating_by("public"), "ratio", "duty"),
    "pilot.income_rate": Source(_("村级集体经济收入完成目标比例"), pilot_income_rate, "ratio", "economy"),
    "pilot.honor_level": Source(
        _("所获荣誉最高等级（县级1、市级2、省级3、国家级4）"), honors("top"), "value", "honors", rollup="max"
    ),
    "pilot.honors": Source(_("所获荣誉件数"), honors("n"), "value", "honors"),
    "pilot.honors.county": Source(_("所获县（区）级荣誉件数"), honors("county"), "value", "honors"),
    "pilot.honors.city": Source(_("所获市级荣誉件数"), honors("city"), "value", "honors"),
    "pilot.honors.province": Source(_("所获省级荣誉件数"), honors("province"), "value", "honors"),
    "pilot.honors.national": Source(_("所获国家级荣誉件数"), honors("national"), "value", "honors"),
    "pilot.funding": Source(_("保障经费（万元）"), pilot_funding, "value", "funding"),
    "pilot.brands": Source(_("已发布党建品牌个数"), pilot_brands, "value", "brands"),
    "pilot.brand_cases": Source(_("品牌典型个案个数"), pilot_brand_cases, "value", "brands"),
    "pilot.pocketbook": Source(_("书记责任口袋书承诺兑现率"), pilot_pocketbook, "ratio", "pocketbook"),
    "pilot.pocketbook_rating": Source(
        _("承诺兑现党员群众评价（平均分）"), pilot_pocketbook_rating, "ratio", "pocketbook", percent=False
    ),
    "pilot.life_months": Source(
        _("开展组织生活的月份（按月）"), pilot_life_months, "months", "activities", rollup="or"
    ),
}

ENTERED_PREFIX = "entered:"


def get_source(name: str) -> Source | None:
    if name in SOURCES:
        return SOURCES[name]
    if name.startswith(ENTERED_PREFIX) and len(name) > len(ENTERED_PREFIX):
        code = name[len(ENTERED_PREFIX) :]
        return Source(_("评定录入：%(c)s") % {"c": code}, entered(code), "value", "entries")
    return None


def known_source(name: str) -> bool:
    return get_source(name) is not None
