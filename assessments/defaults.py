"""The seeded default schemes (documented in docs/assessments.md — keep the two in step).

Quarterly, half-year and annual: 60 common points + 40 points for the unit's domain; the fortress
index (堡垒指数) of each 党支部: 100 points from the branch's own rows (``FORTRESS_BASE``). Every
kind: bonus items capped at 5, deductions capped at 15, one veto item (一票否决), grade bands.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from branches.models import Domain

from .models import GradeBand, Indicator, Scheme, SchemeKind, SchemeStatus, Subject, VetoEffect

D = Decimal

COMMON = [
    # code, name, element, source, mapping, weight, params
    (
        "completion",
        "一月一清单任务完成率",
        "system",
        "pilot.completion",
        "linear",
        25,
        {"lo": 0, "hi": 1, "default": 0},
    ),
    (
        "timeliness",
        "按时报送率",
        "system",
        "pilot.timeliness",
        "linear",
        10,
        {"lo": 0, "hi": 1, "default": 1},
    ),
    (
        "rectify",
        "督查问题按期整改率",
        "guarantee",
        "rectification.on_time",
        "linear",
        10,
        {"lo": 0, "hi": 1, "default": 1},
    ),
    (
        "satisfaction",
        "群众满意度",
        "activity",
        "survey.satisfaction",
        "linear",
        15,
        {"lo": 0.5, "hi": 1, "default": 0.8},
    ),
]

# Per domain: (standards, e-ID) weights; organized activities get the remaining 10.
DOMAIN_PART = {
    Domain.VILLAGE: (20, 10),
    Domain.COMMUNITY: (20, 10),
    Domain.ORGAN: (15, 15),
    Domain.INSTITUTION: (15, 15),
    Domain.STATE_ENTERPRISE: (15, 15),
    Domain.TWO_NEW: (20, 10),
}

#: pilot.honor_level: 县（区）级 1 · 市级 2 · 省级 3 · 国家级 4 → points 0 · 1 · 2 · 3.
HONOR_STEPS = [[4, 3], [3, 2], [2, 1]]


def activity_steps(months: int) -> list[list[int]]:
    """组织活动开展, about one a month is the standard: the period's months for 10 points, three
    quarters of them for 7, half for 4 — rounded down, at least one activity a step (a quarter:
    3 → 10, 2 → 7, 1 → 4; ``round(1.5)`` would have been 2, leaving one activity 0 points)."""
    return [[months, 10], [max(months * 3 // 4, 1), 7], [max(months // 2, 1), 4]]


EXTRAS = [
    (
        "findings",
        "督查发现问题",
        "deduction",
        "other",
        "findings.weighted",
        "per_item",
        10,
        {"per_item": 1, "cap": 10},
    ),
    (
        "overdue",
        "逾期未整改",
        "deduction",
        "guarantee",
        "rectification.overdue",
        "per_item",
        10,
        {"per_item": 2, "cap": 10},
    ),
    # Honors recorded once in 试点推进 (所获荣誉) score here: the highest level received in the
    # period — 市级 1, 省级 2, 国家级 3 (县级 0); never typed a second time.
    (
        "honor",
        "表彰奖励（市级1分、省级2分、国家级3分）",
        "bonus",
        "other",
        "pilot.honor_level",
        "thresholds",
        3,
        {"steps": HONOR_STEPS},
    ),
    (
        "typical",
        "典型经验被推广",
        "bonus",
        "other",
        "entered:typical",
        "per_item",
        2,
        {"per_item": 1, "cap": 2},
    ),
    (
        "veto",
        "一票否决情形（严重违纪违法、重大安全事故、群体性事件等）",
        "veto",
        "other",
        "entered:veto",
        "flag",
        0,
        {},
    ),
]

# 堡垒指数 (fortress index) of a 党支部: 100 points from the branch's OWN rows — its organizational
# life, its members' e-ID and pioneer index (双指数), its standard self-checks verified by the level
# above, and the rectification of findings about it — not from the unit's checklist or surveys
# (a branch inside a 党总支 has neither). The same for every domain: no domain part.
FORTRESS_BASE = [
    # code, name, element, source, mapping, weight, params
    (
        "life",
        "组织生活（主题党日、三会一课）",
        "activity",
        "pilot.activities",
        "thresholds",
        25,
        # a year: one a month is full marks; each step a quarter of the months fewer
        {"steps": [[12, 25], [9, 18], [6, 12], [3, 6]]},
    ),
    (
        "standards",
        "合格支部标准达标率",
        "coverage",
        "standards.met",
        "linear",
        25,
        {"lo": 0, "hi": 1, "default": 0},
    ),
    (
        "eid",
        "党员电子身份认证率",
        "team",
        "members.eid_rate",
        "linear",
        15,
        {"lo": 0.5, "hi": 1, "default": 0},
    ),
    (
        "pioneer",
        "党员先锋指数（平均）",
        "team",
        "members.pioneer_index",
        "linear",
        15,
        {"lo": 60, "hi": 90, "default": 0},  # a mean of 60 → 0, 90 and above → full
    ),
    (
        "five_star",
        "五星党员占比",
        "team",
        "members.five_star_rate",
        "linear",
        10,
        {"lo": 0, "hi": 0.3, "default": 0},  # 30 % of the rated members five-star → full
    ),
    (
        "rectify",
        "督查问题按期整改率",
        "guarantee",
        "rectification.on_time",
        "linear",
        10,
        {"lo": 0, "hi": 1, "default": 1},
    ),
]

BANDS = {
    "stars": [  # fortress index: 五星 needs ≥ 90 AND an innovation project
        ("five", "五星", 90, 5, True, None, False),
        ("four", "四星", 80, 4, False, None, False),
        ("three", "三星", 70, 3, False, None, False),
        ("two", "二星", 60, 2, False, None, False),
        ("one", "一星", 50, 1, False, None, False),
        ("lagging", "后进", 0, 0, False, None, True),
    ],
    "grades": [
        ("good", "好", 90, 0, False, None, False),
        ("fair", "较好", 75, 0, False, None, False),
        ("ordinary", "一般", 55, 0, False, None, False),
        ("lagging", "后进", 0, 0, False, None, True),
    ],
    "annual": [  # 先锋 limited to about 10 %
        ("pioneer", "先锋", 95, 0, False, D("10"), False),
        ("excellent", "优秀", 85, 0, False, None, False),
        ("qualified", "合格", 65, 0, False, None, False),
        ("basic", "基本合格", 55, 0, False, None, False),
        ("lagging", "后进", 0, 0, False, None, True),
    ],
}

FORTRESS_DESCRIPTION = (
    "按党支部自身数据计算：组织生活25分、合格支部标准25分、党员电子身份认证15分、党员先锋指数15分、"
    "五星党员占比10分、问题按期整改10分；加分封顶5分、扣分封顶15分；一票否决。"
)

KINDS = {
    SchemeKind.FORTRESS: ("堡垒指数", Subject.BRANCH, "stars", VetoEffect.LAGGING, 12),
    SchemeKind.SUPERVISION: ("季度督办得分", Subject.UNIT, "grades", VetoEffect.LAGGING, 3),
    SchemeKind.HALF_YEAR: ("半年考评", Subject.UNIT, "grades", VetoEffect.LAGGING, 6),
    SchemeKind.ANNUAL: ("年度考核", Subject.UNIT, "annual", VetoEffect.ZERO, 12),
}


@transaction.atomic
def seed_default_schemes(year: int, *, publish: bool = True) -> list[Scheme]:
    """Create (once) the default scheme of each kind for ``year``; returns them."""
    out = []
    for kind, (label, subject, bands, veto, months) in KINDS.items():
        existing = Scheme.objects.filter(year=year, kind=kind).order_by("-version").first()
        if existing:
            out.append(existing)
            continue
        s = Scheme.objects.create(
            year=year, kind=kind, version=1, name=f"{year}年{label}指标体系（默认）", subject=subject,
            status=SchemeStatus.DRAFT, veto_effect=veto, bonus_cap=D("5"), deduction_cap=D("15"),
            description=FORTRESS_DESCRIPTION if kind == SchemeKind.FORTRESS else
            "共性部分60分＋领域部分40分；加分封顶5分、扣分封顶15分；一票否决。",
        )  # fmt: skip
        rows = []
        order = 0
        for code, name, element, source, mapping, weight, params in (
            FORTRESS_BASE if kind == SchemeKind.FORTRESS else COMMON
        ):
            order += 1
            rows.append(Indicator(scheme=s, code=code, name=name, element=element, source=source,
                                  mapping=mapping, weight=D(weight), params=params, sort_order=order))  # fmt: skip
        # Activities: about one a month is the standard (主题党日), scaled to the period.
        steps = activity_steps(months)
        for dom, (std_w, eid_w) in ({} if kind == SchemeKind.FORTRESS else DOMAIN_PART).items():
            for code, name, element, source, mapping, weight, params in [
                ("standards", "合格支部标准达标率", "coverage", "standards.met", "linear", std_w, {"lo": 0, "hi": 1, "default": 0}),
                ("eid", "党员电子身份认证率", "team", "members.eid_rate", "linear", eid_w, {"lo": 0.5, "hi": 1, "default": 0}),
                ("activities", "组织活动开展（主题党日、三会一课）", "activity", "pilot.activities", "thresholds", 10, {"steps": steps}),
            ]:  # fmt: skip
                order += 1
                rows.append(Indicator(scheme=s, code=f"{code}-{dom}", name=name, element=element, domain=dom,
                                      source=source, mapping=mapping, weight=D(weight), params=params, sort_order=order))  # fmt: skip
        for code, name, kind_, element, source, mapping, weight, params in EXTRAS:
            order += 1
            rows.append(Indicator(scheme=s, code=code, name=name, kind=kind_, element=element, source=source,
                                  mapping=mapping, weight=D(weight), params=params, sort_order=order))  # fmt: skip
        Indicator.objects.bulk_create(rows)
        GradeBand.objects.bulk_create(
            [
                GradeBand(
                    scheme=s,
                    code=c,
                    label=lbl,
                    min_score=D(m),
                    stars=st,
                    requires_innovation=inn,
                    quota_percent=q,
                    is_lagging=lag,
                )
                for c, lbl, m, st, inn, q, lag in BANDS[bands]
            ]
        )
        if publish:
            from .services import scheme_publish

            scheme_publish(actor=None, scheme=s)
        out.append(s)
    return out
