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
from branches.models import Domain, Organization

from . import scoring, services
from .defaults import seed_default_schemes
from .models import (
    Appeal,
    AssessorEntry,
    DutyRating,
    DutyReport,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    PublicPage,
    SchemeKind,
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


def _working_committee_scheme(ctx: DemoContext, year: int) -> None:
    """A working committee's own quarterly scheme for its organs, running beside the city's (适用
    范围: its subtree, 机关 only; 后进 = its bottom 10 %): its organs are scored by it, every other
    unit by the city's."""
    from .models import Scheme, SchemeStatus

    organ = next((u for u in ctx.units if u.domain == Domain.ORGAN), None)
    base = Scheme.objects.filter(year=year, kind="supervision", status=SchemeStatus.PUBLISHED).first()
    if organ is None or base is None:
        return
    scope = Organization.objects.get(path=organ.path[: -Organization.steplen])
    s = services.scheme_new_version(actor=None, scheme=base)
    s.indicators.exclude(domain__in=["", Domain.ORGAN]).delete()
    s.name = f"{year}年{scope.name}机关党建季度考核"
    s.scope, s.domains, s.supersedes = scope, [Domain.ORGAN], None
    s.lagging_bottom_percent = Decimal(10)
    s.save()
    services.scheme_publish(actor=None, scheme=s)


def build(ctx: DemoContext) -> None:
    """Last year's and this year's supervision, as it stands on ``ctx.today``."""
    from members.bulk import insert
    from pilot.demo import _demo_author

    rng, year, today = ctx.rng, ctx.year, ctx.today
    for y in (ctx.plan_start, year):
        seed_default_schemes(y)
        _working_committee_scheme(ctx, y)
    author = _demo_author()
    shi = ctx.users.get("shi")
    inspector = ctx.users.get("ducha") or shi or author

    checks = _standards(ctx)

    # Inspections: each quarter so far about a third of the units are visited (never after today);
    # findings open rectification items in every state (see _finding).
    visits, pending = [], []
    quarters = [(y, q) for y in (ctx.plan_start, year) for q in range(4) if date(y, 3 * q + 1, 1) <= today]
    for y, q in quarters:
        for u in ctx.units:
            if rng.random() > 0.33:
                continue
            day = date(y, 3 * q + 1, 1) + timedelta(days=rng.randint(5, 80))
            if day > today:
                continue
            ins = Inspection(organization_id=u.pk, inspector=inspector, visited_on=day,
                             visit=rng.choice(["announced", "unannounced"]),
                             method=rng.choice(["problem", "onsite", "talk", "model", "stay"]), notes="按督查方案开展")  # fmt: skip
            visits.append(ins)
            pending.append((ins, u, day))
    Inspection.objects.bulk_create(visits, batch_size=2000)
    findings, appeals = [], []
    for ins, u, day in pending:
        for _ in range(rng.choice([0, 1, 1, 2])):
            f, appeal = _finding(ctx, ins, u, day, filer=author)
            findings.append(f)
            if appeal is not None:
                appeals.append(appeal)
    if ctx.account_orgs.get("cun") and ctx.users.get("cun"):
        _account_findings(ctx, inspector, visits, findings, appeals)
    Finding.objects.bulk_create(findings, batch_size=2000)
    for a in appeals:
        a.finding_id = a.finding.pk
    Appeal.objects.bulk_create(appeals, batch_size=2000)
    events = [FindingEvent(finding=f, at=_aware(f.found_on), actor=inspector, action="found", note=f.problem)
              for f in findings]  # fmt: skip
    events += [FindingEvent(finding=f, at=f.answered_at, actor=None, action="answered", note=f.answer)
               for f in findings if f.answered_at]  # fmt: skip
    events += [FindingEvent(finding=a.finding, at=a.filed_at, actor=a.filed_by, action="appealed",
                            note=f"{a.get_reason_kind_display()}：{a.reason}") for a in appeals]  # fmt: skip
    FindingEvent.objects.bulk_create(events, batch_size=2000)
    services.escalate_overdue(today=today)
    Finding.objects.filter(escalated_at__isnull=False).update(escalated_at=ctx.at(today, 7))
    FindingEvent.objects.filter(action="escalated").update(at=ctx.at(today, 7))

    # Mass evaluation: 5–25 answers per unit per quarter so far; last year's duty reports, rated.
    pages, answers = [], []
    for u in ctx.units:
        pages.append(PublicPage(organization_id=u.pk, key=PublicPage.new_key()))
        mood = rng.random()
        for y, q in quarters:
            for k in range(rng.randint(5, 25)):
                answered = date(y, 3 * q + 1, 1) + timedelta(days=rng.randint(10, 85))
                if answered > today:
                    continue
                r = rng.random()
                rating = (
                    "satisfied"
                    if r < 0.45 + 0.5 * mood
                    else ("basic" if r < 0.9 + 0.08 * mood else "unsatisfied")
                )
                answers.append(SurveyResponse(organization_id=u.pk, period=f"{y}Q{q + 1}", rating=rating,
                                              answered_on=answered, voter_hash=_h(f"demo{u.pk}y{y}q{q}n{k}")))  # fmt: skip
    PublicPage.objects.bulk_create(pages, batch_size=2000, ignore_conflicts=True)
    insert(SurveyResponse, answers, batch_size=5000)
    last = ctx.plan_start
    filed = ctx.at(min(today, date(year, 1, 20)))
    reports = [
        DutyReport(
            organization_id=u.pk,
            year=last,
            title=f"{last}年度抓基层党建工作述职报告",
            filed_by=shi or author,
            filed_at=filed,
            body="一、主要做法：落实一月一清单，规范主题党日。\n二、存在问题：党员教育方式单一。\n三、下步打算：打造一支部一品牌。",
        )
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
                at=filed,
            )
            for r in reports
            for k in range(rng.randint(3, 12))
        ],
        batch_size=5000,
    )

    from . import demo_voting

    ballots = demo_voting.build(ctx)
    _entries(ctx, quarters)
    runs = _scores(ctx, shi)
    _rectification_plans(ctx)
    ctx.log(
        f"督查考核：标准自查 {checks} 条，检查 {len(visits)} 次，问题 {len(findings)} 个（申诉 {len(appeals)} 件），"
        f"群众评价 {len(answers)} 条（另评价票 {ballots} 张），述职 {len(reports)} 份，计分批次 {runs} 个"
    )


def _standards(ctx: DemoContext) -> int:
    """合格支部标准 per domain and year. Last year every branch self-checked and was verified; this
    year about one in ten has not self-checked yet, a quarter await the level above's verification,
    the rest are verified (most items met)."""
    rng, year = ctx.rng, ctx.year
    checks = []
    for y in (ctx.plan_start, year):
        items_by_domain = {}
        for dom in Domain.values:
            st = Standard.objects.create(domain=dom, year=y, name=f"{y}年{Domain(dom).label}党支部合格标准")
            items_by_domain[dom] = StandardItem.objects.bulk_create(
                [
                    StandardItem(standard=st, text=t, element=e, sort_order=i)
                    for i, (e, t) in enumerate(STANDARD_ITEMS)
                ]
            )
        for u in {o.pk: o for o in ctx.units + ctx.leaves}.values():
            if not u.domain:
                continue
            r = rng.random()
            if y == year and r < 0.1:
                continue  # not self-checked yet (待自查)
            verified = y < year or r >= 0.35
            self_on = ctx.day_between(date(y, 1, 10), date(y, 3, 31))
            verify_on = ctx.day_between(self_on + timedelta(days=7), self_on + timedelta(days=30))
            quality = rng.random()
            if ctx.exemplary(u.pk):
                quality = 1.0  # 示范党支部: every item met
            elif ctx.struggling(u.pk):
                quality = 0.0  # about half the items met
            for it in items_by_domain[u.domain]:
                met = rng.random() < 0.55 + 0.45 * quality
                self_met = met or rng.random() < 0.5  # some claim an item the level above does not accept
                checks.append(StandardCheck(item=it, organization_id=u.pk, self_met=self_met, self_at=_aware(self_on),
                                            verified_met=met if verified else None,
                                            verified_at=_aware(verify_on) if verified else None,
                                            verify_note="" if met or not verified else "现场核查未达标，请对照整改"))  # fmt: skip
    StandardCheck.objects.bulk_create(checks, batch_size=2000, ignore_conflicts=True)
    return len(checks)


def _finding(ctx: DemoContext, ins, u, day: date, *, filer):
    """One finding and, for some, a pending appeal. States follow the deadline against today:
    past it — mostly closed (a few late), some answered or still open (overdue, escalated), one in
    twenty withdrawn after an upheld appeal; not yet due — open, answered awaiting verification, or
    appealed (待裁定)."""
    rng, today = ctx.rng, ctx.today
    deadline = day + timedelta(days=rng.choice([15, 30, 30, 45]))
    f = Finding(inspection=ins, organization_id=u.pk, problem=rng.choice(PROBLEMS),
                severity=rng.choices(["minor", "general", "serious"], [5, 4, 1])[0], found_on=day,
                owner=u.secretary_name or "支部书记", deadline=deadline)  # fmt: skip
    r = rng.random()
    appeal = None
    settled = deadline < today - timedelta(days=120)  # long past: nearly everything is closed
    if deadline < today:
        if r < (0.9 if settled else 0.72):
            answered = min(deadline - timedelta(days=rng.randint(-6, 10)), today)
            answered = max(answered, day + timedelta(days=1))
            f.status, f.answer = FindingStatus.CLOSED, "已按要求整改到位，附照片"
            f.answered_at = ctx.at(answered)
            f.closed_at = ctx.at(min(answered + timedelta(days=2), today), 15)
            f.closed_on_time = answered <= deadline
        elif r < (0.95 if settled else 0.77):
            f.status = FindingStatus.WITHDRAWN
        elif r < (0.97 if settled else 0.88):
            f.status, f.answer = FindingStatus.ANSWERED, "正在整改，已完成大部分"
            f.answered_at = ctx.at(min(day + timedelta(days=7), today))
        # else: still open past its deadline (逾期未整改)
    elif r < 0.35:
        f.status, f.answer = FindingStatus.ANSWERED, "已整改，请核查"
        f.answered_at = ctx.at(ctx.day_between(day))
    elif r < 0.6:
        filed_on = ctx.day_between(day)
        kind = rng.choice([Appeal.Reason.MORE_TIME, Appeal.Reason.NOT_PROBLEM, Appeal.Reason.WORDING])
        appeal = Appeal(finding=f, reason_kind=kind, filed_by=filer, filed_at=ctx.at(filed_on),
                        reason={Appeal.Reason.MORE_TIME: "涉及阵地改造，需等待施工完成",
                                Appeal.Reason.NOT_PROBLEM: "记录已在纸质台账中，现场未调阅",
                                Appeal.Reason.WORDING: "问题表述与实际情况有出入"}[kind],
                        proposed_deadline=deadline + timedelta(days=30) if kind == Appeal.Reason.MORE_TIME else None,
                        proposed_wording="部分会议记录不完整" if kind == Appeal.Reason.WORDING else "")  # fmt: skip
    return f, appeal


def _account_findings(ctx: DemoContext, inspector, visits, findings, appeals) -> None:
    """The village secretary (cun) sees one rectification item in each state: closed on time, being
    rectified (not yet due), answered awaiting verification, overdue (escalated), appealed."""
    unit, user, today = ctx.account_orgs["cun"], ctx.users["cun"], ctx.today
    visited = today - timedelta(days=40)
    ins = Inspection.objects.create(organization_id=unit.pk, inspector=inspector, visited_on=visited,
                                    visit="unannounced", method="onsite", notes="暗访：查阅台账、走访党员群众")  # fmt: skip
    visits.append(ins)
    rows = [
        ("三会一课记录不完整", 15, FindingStatus.CLOSED, "已补齐会议记录，附照片"),
        ("党员活动室标识不规范", 60, FindingStatus.OPEN, ""),
        ("联系服务群众记录空白", 45, FindingStatus.ANSWERED, "已建立联系服务台账，请核查"),
        ("党费收缴台账缺失", 30, FindingStatus.OPEN, ""),
        ("阵地管理不到位，长期闲置", 50, FindingStatus.OPEN, ""),
    ]
    for k, (problem, days, status, answer) in enumerate(rows):
        f = Finding(inspection=ins, organization_id=unit.pk, problem=problem, severity="general", found_on=visited,
                    owner=unit.secretary_name or "支部书记", deadline=visited + timedelta(days=days), status=status,
                    answer=answer)  # fmt: skip
        if answer:
            f.answered_at = ctx.at(visited + timedelta(days=10))
        if status == FindingStatus.CLOSED:
            f.closed_at, f.closed_on_time = ctx.at(visited + timedelta(days=12), 15), True
        findings.append(f)
        if k == 4:
            appeals.append(Appeal(finding=f, reason_kind=Appeal.Reason.MORE_TIME, filed_by=user,
                                  filed_at=ctx.at(today - timedelta(days=5)), reason="涉及阵地改造，需等待施工完成",
                                  proposed_deadline=f.deadline + timedelta(days=30)))  # fmt: skip


def _entries(ctx: DemoContext, quarters) -> None:
    """Assessor entries: honors, typical cases, innovation projects and a few veto situations."""
    rng = ctx.rng
    entries = []
    for u in ctx.units + ctx.leaves:
        for y, q in quarters:
            p = f"{y}Q{q + 1}"
            r = rng.random()
            if r < 0.05:
                entries.append(AssessorEntry(organization_id=u.pk, period=p, code="honor",
                                             value=Decimal(rng.choice([1, 2, 3])), note="获表彰"))  # fmt: skip
            elif r < 0.08:
                entries.append(AssessorEntry(organization_id=u.pk, period=p, code="typical", value=Decimal(1),
                                             note="经验被推广"))  # fmt: skip
        model = ctx.exemplary(u.pk)  # 示范党支部: an innovation project every year, no veto
        for y in (ctx.plan_start, ctx.year):
            if rng.random() < (0.9 if model else 0.25):
                entries.append(AssessorEntry(organization_id=u.pk, period=str(y), code="innovation",
                                             value=Decimal(1), note="创新项目"))  # fmt: skip
        if rng.random() < 0.01 and not model:
            y, q = rng.choice(quarters)
            entries.append(AssessorEntry(organization_id=u.pk, period=f"{y}Q{q + 1}", code="veto",
                                         value=Decimal(1), note="发生群体性事件"))  # fmt: skip
    for e in entries:
        e.entered_at = ctx.at(ctx.today)
    AssessorEntry.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)


def score_periods(ctx: DemoContext) -> list[str]:
    """What the department has computed so far: the four quarters that ended last, and each
    half-year and year that ended with one of them — oldest first."""
    quarters = ctx.ended_quarters()[-4:]
    out = []
    for p in quarters:
        out.append(p)
        y, q = p[:4], int(p[-1])
        if q in (2, 4):
            out.append(f"{y}H{q // 2}")
        if q == 4:
            out.append(y)
    return out


def _scores(ctx: DemoContext, shi) -> int:
    """Every period computed by the production engine. The latest quarter's score (and the half-year
    that ended with it) is on public notice (公示) until a few days from today; everything else —
    the year's 堡垒指数 and 年度考核 included, so branches always have a published fortress index —
    went through its notice and is published (定级)."""
    periods = score_periods(ctx)
    quarters = [p for p in periods if "Q" in p]
    latest_end = scoring.parse_period(quarters[-1]).end if quarters else None
    n = 0
    for p in periods:
        for kind in services.kinds_for_period(p):
            run = services.run_start(actor=None, period=p, kind=kind, enqueue=False)
            scoring.run_compute(run.pk)
            run = services.run_start_notice(actor=shi, run=ScoreRun.objects.get(pk=run.pk))
            n += 1
            ended = scoring.parse_period(p).end
            if ended == latest_end and kind in (SchemeKind.SUPERVISION, SchemeKind.HALF_YEAR):
                ScoreRun.objects.filter(pk=run.pk).update(notice_until=ctx.today + timedelta(days=3))
                continue
            ScoreRun.objects.filter(pk=run.pk).update(
                notice_until=ended + timedelta(days=run.scheme.notice_days + 5)
            )
            services.run_publish(actor=shi, run=ScoreRun.objects.get(pk=run.pk))
    return n


PLAN_TEXTS = [
    "每月固定开展主题党日，书记带头讲党课；补齐“三会一课”记录，镇党委每月抽查。",
    "对照合格支部标准逐条整改：规范阵地标识，建立党费收缴台账，完善党员发展档案。",
    "开展党员电子身份认证集中办理，组织党员参加先锋指数评定，结对帮带后进党员。",
]


def _rectification_plans(ctx: DemoContext) -> None:
    """后进整改方案 for most 后进 branches of the latest fortress index (published, or on 公示 when
    no year has been published yet), in every state: none yet, just started, under way, done, and
    a few past their deadline."""
    from branches.policy import SYSTEM

    from .models import RunStatus, ScoreResult

    runs = ScoreRun.objects.filter(kind="fortress", status__in=[RunStatus.PUBLISHED, RunStatus.NOTICE])
    run = (
        runs.filter(status=RunStatus.PUBLISHED).order_by("-period").first()
        or runs.order_by("-period").first()
    )
    if run is None:
        return
    year = int(run.period)
    rng = ctx.rng
    lagging = list(
        ScoreResult.objects.filter(run=run, lagging=True)
        .select_related("organization")
        .order_by("organization_id")[:40]
    )
    today = ctx.today
    n = 0
    for i, r in enumerate(lagging):
        if i % 5 == 1:
            continue  # a few still have no plan: the lagging list says 尚未制定
        overdue = i % 7 == 3
        deadline = today + timedelta(days=-rng.randint(5, 40) if overdue else rng.randint(20, 150))
        progress = 100 if i % 6 == 0 else rng.choice([0, 20, 40, 60, 80])
        if overdue:
            progress = min(progress, 60)
        services.rectification_plan_save(
            actor=SYSTEM, organization=r.organization, year=year, plan=rng.choice(PLAN_TEXTS),
            responsible=r.organization.secretary_name or "支部书记", deadline=deadline, progress=progress,
            progress_note="已完成全部整改事项" if progress == 100 else ("已召开专题组织生活会" if progress else ""),
        )  # fmt: skip
        n += 1
    ctx.log(f"后进整改方案：{n} 个（后进党支部 {len(lagging)} 个）")
