"""Demo data for supervision and assessment: a year of standards, inspections, findings and
rectification, surveys, duty reports, assessor entries, and computed (published) scores.

Rows are made in memory and written with bulk_create; the scores are computed by the same
engine as production (``scoring.run_compute``), so the demo also exercises it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.demo import DemoContext
from branches.models import Domain

from . import scoring, services
from .defaults import seed_default_schemes
from .models import (
    AssessorEntry,
    DutyRating,
    DutyReport,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    PublicPage,
    ScoreRun,
    Standard,
    StandardCheck,
    StandardItem,
    SurveyResponse,
)

STANDARD_ITEMS = [
    ("coverage", "支部设置规范，按期换届"),
    ("team", "支部委员会健全，书记履职到位"),
    ("activity", "每月开展主题党日，落实“三会一课”"),
    ("system", "组织生活会、民主评议党员按时召开"),
    ("system", "党员发展程序规范，档案齐全"),
    ("guarantee", "有固定活动阵地，标识规范"),
    ("guarantee", "党费收缴使用管理规范"),
    ("activity", "党员联系服务群众制度落实"),
]
PROBLEMS = [
    "三会一课记录不完整",
    "主题党日活动内容与方案不一致",
    "党员活动室标识不规范",
    "党费收缴台账缺失",
    "党员发展材料不齐全",
    "联系服务群众记录空白",
    "阵地管理不到位，长期闲置",
]


def _h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def _aware(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(10)))


def build(ctx: DemoContext) -> None:
    rng, year = ctx.rng, ctx.year
    seed_default_schemes(year)
    seed_default_schemes(year + 1)
    today = timezone.localdate()

    # 合格支部标准 per domain, self-checked by most units and verified by the level above.
    items_by_domain = {}
    for dom in Domain.values:
        st = Standard.objects.create(domain=dom, year=year, name=f"{year}年{Domain(dom).label}党支部合格标准")
        items_by_domain[dom] = StandardItem.objects.bulk_create(
            [
                StandardItem(standard=st, text=t, element=e, sort_order=i)
                for i, (e, t) in enumerate(STANDARD_ITEMS)
            ]
        )
    checks = []
    for u in ctx.units + ctx.leaves:
        if not u.domain or rng.random() < 0.1:
            continue
        quality = rng.random()
        for it in items_by_domain[u.domain]:
            met = rng.random() < 0.55 + 0.45 * quality
            checks.append(StandardCheck(item=it, organization_id=u.pk, self_met=True, self_at=_aware(date(year, 3, 20)),
                                        verified_met=met, verified_at=_aware(date(year, 4, 10))))  # fmt: skip
    StandardCheck.objects.bulk_create(checks, batch_size=2000, ignore_conflicts=True)

    # Inspections: each quarter about a third of the units are visited; findings open rectification.
    inspector = ctx.users.get("ducha") or ctx.users.get("shi")
    visits, pending = [], []
    for q in range(4):
        for u in ctx.units:
            if rng.random() > 0.33:
                continue
            day = date(year, 3 * q + 1, 1) + timedelta(days=rng.randint(5, 80))
            ins = Inspection(organization_id=u.pk, inspector=inspector, visited_on=day,
                             visit=rng.choice(["announced", "unannounced"]),
                             method=rng.choice(["problem", "onsite", "talk", "model", "stay"]), notes="按督查方案开展")  # fmt: skip
            visits.append(ins)
            pending.append((ins, u, day))
    Inspection.objects.bulk_create(visits, batch_size=2000)
    findings = []
    for ins, u, day in pending:
        for _ in range(rng.choice([0, 1, 1, 2])):
            deadline = day + timedelta(days=rng.choice([15, 30, 30, 45]))
            r = rng.random()
            f = Finding(inspection=ins, organization_id=u.pk, problem=rng.choice(PROBLEMS),
                        severity=rng.choices(["minor", "general", "serious"], [5, 4, 1])[0], found_on=day,
                        owner=u.secretary_name or "支部书记", deadline=deadline)  # fmt: skip
            if deadline < today and r < 0.7:  # answered and closed, mostly on time
                answered = deadline - timedelta(days=rng.randint(-6, 10))
                f.status, f.answer = FindingStatus.CLOSED, "已按要求整改到位，附照片"
                f.answered_at, f.closed_at = _aware(answered), _aware(answered + timedelta(days=2))
                f.closed_on_time = answered <= deadline
            elif r < 0.85:
                f.status, f.answer, f.answered_at = (
                    FindingStatus.ANSWERED,
                    "正在整改，已完成大部分",
                    _aware(day + timedelta(days=7)),
                )
            findings.append(f)
    Finding.objects.bulk_create(findings, batch_size=2000)
    FindingEvent.objects.bulk_create(
        [
            FindingEvent(finding=f, at=_aware(f.found_on), actor=inspector, action="found", note=f.problem)
            for f in findings
        ],
        batch_size=2000,
    )
    services.escalate_overdue(today=today)

    # Mass evaluation: 5–25 answers per unit per quarter; duty reports with ratings.
    pages, answers = [], []
    for u in ctx.units:
        pages.append(PublicPage(organization_id=u.pk, key=PublicPage.new_key()))
        mood = rng.random()
        for q in range(4):
            for k in range(rng.randint(5, 25)):
                r = rng.random()
                rating = (
                    "satisfied"
                    if r < 0.45 + 0.5 * mood
                    else ("basic" if r < 0.9 + 0.08 * mood else "unsatisfied")
                )
                answers.append(SurveyResponse(organization_id=u.pk, period=f"{year}Q{q + 1}", rating=rating,
                                              answered_on=date(year, 3 * q + 2, rng.randint(1, 28)),
                                              voter_hash=_h(f"demo{u.pk}q{q}n{k}")))  # fmt: skip
    PublicPage.objects.bulk_create(pages, batch_size=2000, ignore_conflicts=True)
    SurveyResponse.objects.bulk_create(answers, batch_size=5000)
    author = ctx.users.get("shi")
    reports = [
        DutyReport(
            organization_id=u.pk,
            year=year,
            title=f"{year}年度抓基层党建工作述职报告",
            filed_by=author,
            body="一、主要做法：落实一月一清单，规范主题党日。\n二、存在问题：党员教育方式单一。\n三、下步打算：打造一支部一品牌。",
        )  # fmt: skip
        for u in ctx.units
        if rng.random() < 0.6
    ]
    DutyReport.objects.bulk_create(reports, batch_size=2000)
    DutyRating.objects.bulk_create(
        [
            DutyRating(
                report=r,
                rater=rng.choice(["member", "public"]),
                voter_hash=_h(f"demo-d{r.pk}-{k}"),
                rating=rng.choices(["satisfied", "basic", "unsatisfied"], [7, 2, 1])[0],
            )  # fmt: skip
            for r in reports
            for k in range(rng.randint(3, 12))
        ],
        batch_size=5000,
    )

    # Assessor entries: honors, typical cases, innovation projects and a few veto situations.
    entries = []
    for u in ctx.units + ctx.leaves:
        for q in range(4):
            p = f"{year}Q{q + 1}"
            r = rng.random()
            if r < 0.05:
                entries.append(
                    AssessorEntry(
                        organization_id=u.pk,
                        period=p,
                        code="honor",
                        value=Decimal(rng.choice([1, 2, 3])),
                        note="获表彰",
                    )
                )
            elif r < 0.08:
                entries.append(
                    AssessorEntry(
                        organization_id=u.pk, period=p, code="typical", value=Decimal(1), note="经验被推广"
                    )
                )
        if rng.random() < 0.25:
            entries.append(
                AssessorEntry(
                    organization_id=u.pk,
                    period=str(year),
                    code="innovation",
                    value=Decimal(1),
                    note="创新项目",
                )
            )
        if rng.random() < 0.01:
            entries.append(
                AssessorEntry(
                    organization_id=u.pk,
                    period=f"{year}Q{rng.randint(1, 4)}",
                    code="veto",
                    value=Decimal(1),
                    note="发生群体性事件",
                )
            )
    AssessorEntry.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)

    # Scores: every quarter, both half-years and the year; all published except the last quarter,
    # left as a draft for the department to review.
    shi = ctx.users.get("shi")
    periods = [f"{year}Q{q}" for q in range(1, 5)] + [f"{year}H1", f"{year}H2", str(year)]
    for p in periods:
        for kind in services.kinds_for_period(p):
            run = services.run_start(actor=None, period=p, kind=kind, enqueue=False)
            scoring.run_compute(run.pk)
            if p != f"{year}Q4":
                services.run_publish(actor=shi, run=ScoreRun.objects.get(pk=run.pk))
    ctx.log(
        f"督查考核：检查 {len(visits)} 次，问题 {len(findings)} 个，群众评价 {len(answers)} 条，"
        f"述职 {len(reports)} 份，计分批次 {ScoreRun.objects.count()} 个"
    )
