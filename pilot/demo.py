"""Demo data for the pilot (2023 标准强化年): plan, tasks from the speech, checklists with a
realistic spread (some townships fast, some slow), reports, reviews, and the rest.

Everything is set-based (INSERT … SELECT, UPDATE per township × month × bucket, bulk_create),
so the default city builds in a few seconds and ``--orgs 5000`` still scales.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from branches.demo import DemoContext
from branches.models import Domain, Level, Organization

from .models import (
    Activity,
    ActivityKind,
    AnnualGoal,
    Brand,
    BrandCase,
    BrandKind,
    Cadence,
    CenterKind,
    CenterStage,
    ChecklistItem,
    CollectiveIncome,
    Commitment,
    Element,
    Function,
    FundingCategory,
    FundingRecord,
    GoalMetric,
    Honor,
    HonorLevel,
    HonorTarget,
    IncomeMeasure,
    ItemStatus,
    MeetingDecision,
    Notice,
    NoticeRecipient,
    Plan,
    PlanYear,
    ProgressReport,
    Review,
    ServiceCenterProject,
    Task,
    WeeklyMeeting,
)
from .services import checklist_generate

E, F, C = Element, Function, Cadence
V, CO, OR, IN, EN, TN = (
    Domain.VILLAGE,
    Domain.COMMUNITY,
    Domain.ORGAN,
    Domain.INSTITUTION,
    Domain.STATE_ENTERPRISE,
    Domain.TWO_NEW,
)

# code, title, element, function, cadence, due (month, day) for once, domains (empty = common)
TASKS_2023 = [
    ("G01", "支部主题党日按月开展", E.ACTIVITY, F.POLITICAL, C.MONTHLY, None, []),
    ("G02", "落实“三会一课”制度", E.SYSTEM, F.POLITICAL, C.MONTHLY, None, []),
    ("G03", "对照合格支部标准开展自查", E.SYSTEM, F.POLITICAL, C.QUARTERLY, None, []),
    ("G04", "党员电子身份认证全覆盖", E.TEAM, F.POLITICAL, C.ONCE, (6, 30), []),
    ("G05", "五星党员创评", E.TEAM, F.POLITICAL, C.ONCE, (11, 30), []),
    ("G06", "召开专题组织生活会", E.SYSTEM, F.POLITICAL, C.ONCE, (12, 20), []),
    ("V01", "发展壮大村级集体经济（按月报收入进度）", E.GUARANTEE, F.SERVICE, C.MONTHLY, None, [V]),
    ("V02", "党员群众服务中心新建、改扩建", E.GUARANTEE, F.SERVICE, C.QUARTERLY, None, [V, CO]),
    ("V03", "润心走访困难党员、发放关爱资金", E.TEAM, F.SERVICE, C.QUARTERLY, None, [V, CO]),
    ("V04", "专业合作社、联村党委等七类支部建设", E.COVERAGE, F.POLITICAL, C.ONCE, (9, 30), [V]),
    ("V05", "堡垒指数评定与后进支部整顿", E.SYSTEM, F.POLITICAL, C.QUARTERLY, None, [V]),
    ("V06", "村民广场、文化长廊建设", E.GUARANTEE, F.SERVICE, C.ONCE, (10, 31), [V]),
    ("S01", "社区网格党组织全覆盖", E.COVERAGE, F.POLITICAL, C.ONCE, (5, 31), [CO]),
    ("S02", "社区党建进街道、进巷道", E.ACTIVITY, F.SERVICE, C.MONTHLY, None, [CO]),
    ("S03", "在职党员到社区报到服务", E.TEAM, F.SERVICE, C.QUARTERLY, None, [CO]),
    ("J01", "机关党支部标准化建设", E.SYSTEM, F.POLITICAL, C.QUARTERLY, None, [OR, IN]),
    ("J02", "党建与业务融合（文明城市创建、精准扶贫）", E.ACTIVITY, F.SERVICE, C.MONTHLY, None, [OR, IN]),
    ("J03", "党建文化阵地建设", E.GUARANTEE, F.POLITICAL, C.ONCE, (8, 31), [OR, IN]),
    ("Q01", "国有企业党建进章程、双向进入", E.SYSTEM, F.POLITICAL, C.ONCE, (6, 30), [EN]),
    ("Q02", "工程项目临时党支部建设", E.COVERAGE, F.POLITICAL, C.QUARTERLY, None, [EN]),
    ("L01", "两新组织党的组织和工作覆盖", E.COVERAGE, F.POLITICAL, C.QUARTERLY, None, [TN]),
    ("L02", "两新组织党建指导员联系服务", E.TEAM, F.SERVICE, C.MONTHLY, None, [TN]),
]

NARRATIVES = {
    E.ACTIVITY: "按计划开展活动，党员参加率较高，已上传活动照片。",
    E.SYSTEM: "制度按要求落实，会议记录完整，问题已建立台账。",
    E.TEAM: "逐一对接党员，完成情况已核实，困难党员已走访。",
    E.COVERAGE: "组织设置已调整到位，支部班子健全。",
    E.GUARANTEE: "项目按进度推进，资金使用已公示。",
}


def _h(i: int) -> int:
    return (i * 2654435761) % 1000


def build(ctx: DemoContext) -> None:
    year = ctx.year
    plan = Plan.objects.create(
        name="示范市基层党建整体推进三年试点（2023—2025）",
        start_year=year,
        end_year=year + 2,
        overall_goal="用三年时间，实现全地域、全领域、全要素、全功能整体推进，每一个支部都不落后、每一名党员都不落伍。",
    )
    years = [
        PlanYear.objects.create(plan=plan, year=year, theme="标准强化年", summary="明确 6 项共性任务和各领域任务，逐一落实。"),
        PlanYear.objects.create(plan=plan, year=year + 1, theme="质量提升年"),
        PlanYear.objects.create(plan=plan, year=year + 2, theme="全面过硬年"),
    ]  # fmt: skip
    py = years[0]
    goals = [
        (GoalMetric.EID_COVERAGE, "党员电子身份认证覆盖率", Decimal("90"), None),
        (GoalMetric.FIVE_STAR_COVERAGE, "五星党员创评覆盖率", Decimal("85"), None),
        (
            GoalMetric.VILLAGE_INCOME,
            "村级集体经济收入全部过 10 万元（达标村占比）",
            Decimal("100"),
            Decimal("10"),
        ),
        (
            GoalMetric.CENTERS_BUILT,
            "党员群众服务中心建成（个）",
            Decimal(max(10, len(ctx.townships) * 3)),
            None,
        ),
        (GoalMetric.CHECKLIST_COMPLETION, "一月一清单完成率", Decimal("95"), None),
        (GoalMetric.BRANDS_PUBLISHED, "党建品牌发布（个）", Decimal(max(8, len(ctx.townships))), None),
    ]
    AnnualGoal.objects.bulk_create(
        [AnnualGoal(plan_year=py, metric=m, name=n, target_value=t, threshold=th, sort_order=i)
         for i, (m, n, t, th) in enumerate(goals)]
    )  # fmt: skip
    for y in years[1:]:
        AnnualGoal.objects.bulk_create(
            [AnnualGoal(plan_year=y, metric=m, name=n, target_value=min(t + 5, Decimal(100)) if "%" not in n else t,
                        threshold=th, sort_order=i) for i, (m, n, t, th) in enumerate(goals[:3])]
        )  # fmt: skip
    tasks = []
    for i, (code, title, el, fn, cad, due, domains) in enumerate(TASKS_2023):
        tasks.append(Task(plan_year=py, code=code, title=title, element=el, function=fn, cadence=cad,
                          due_date=date(year, *due) if due else None, is_common=not domains, domains=domains,
                          levels=[Level.UNIT], sort_order=i,
                          description=f"{title}：按“{el.label}”要素要求落实，按时在平台报送进度和佐证材料。"))  # fmt: skip
    Task.objects.bulk_create(tasks)
    # The project branch on a construction site is temporary: no 七类支部 self-check for it.
    proj = [u for u in ctx.units if u.branch_type_id and u.code.endswith("G01")]
    if proj:
        Task.objects.get(plan_year=py, code="G03").excluded_orgs.add(*proj)

    # --- checklists for the whole year, then a per-township pace -------------------------------------
    total = 0
    for m in range(1, 13):
        total += checklist_generate(period=date(year, m, 1))
    _spread_statuses(ctx, year)
    author = _demo_author()
    _reports_and_reviews(year, author)
    ctx.log(f"一月一清单：{total} 项，报送 {ProgressReport.objects.count()} 条")

    _economy(ctx, year)
    _pocketbook(ctx, year)
    _activities(ctx, year)
    _centers_brands_honors_funding(ctx, year)
    _meetings_and_notices(ctx, year)


def _pace(ctx: DemoContext) -> dict[int, float]:
    """Each township's pace (0.45–0.97): the speech's 有快有慢. The demo township (zhen) is mid-fast."""
    n = len(ctx.townships)
    paces = {}
    for i, t in enumerate(ctx.townships):
        paces[t.pk] = 0.45 + 0.52 * ((i * 5 + 3) % n) / max(n - 1, 1)
    if ctx.townships:
        paces[ctx.townships[0].pk] = 0.8
    return paces


def _spread_statuses(ctx: DemoContext, year: int) -> None:
    """UPDATE per (township, month, bucket): accepted on time / late, submitted, returned, pending."""
    tz = timezone.get_current_timezone()
    paces = _pace(ctx)
    item_t = ChecklistItem._meta.db_table
    org_t = Organization._meta.db_table
    ops = connection.ops
    with connection.cursor() as cur:
        for t_id, pace in paces.items():
            for m in range(1, 13):
                period = date(year, m, 1)
                # later months are less complete; December is still being reported.
                p = pace * (1.0 if m <= 10 else 0.8 if m == 11 else 0.55)
                acc_on = int(1000 * p * 0.82)
                acc_late = int(1000 * p)
                sub = acc_late + int(1000 * (1 - p) * 0.35)
                ret = sub + int(1000 * (1 - p) * 0.15)
                due = date(year, m, 25)
                on_time_at = datetime.combine(due - timedelta(days=3), time(16, 0), tz)
                late_at = datetime.combine(due + timedelta(days=6), time(10, 0), tz)
                review_at = datetime.combine(due + timedelta(days=8), time(9, 0), tz)
                dt = ops.adapt_datetimefield_value
                base = (f"UPDATE {item_t} SET status=%s, percent=%s, submitted_at=%s, last_submitted_at=%s, "
                        f"accepted_at=%s, returned_at=%s, return_reason=%s, is_late=%s, delay_reason=%s "
                        f"WHERE period=%s AND organization_id IN (SELECT id FROM {org_t} WHERE township_id=%s) "
                        f"AND ((id * 7919 + organization_id * 104729) %% 1000) >= %s "
                        f"AND ((id * 7919 + organization_id * 104729) %% 1000) < %s")  # fmt: skip
                buckets = [
                    (0, acc_on, ItemStatus.ACCEPTED, 100, on_time_at, review_at, None, "", False, ""),
                    (acc_on, acc_late, ItemStatus.ACCEPTED, 100, late_at, review_at, None, "", True,
                     "村“两委”成员外出参加培训，活动顺延一周。"),
                    (acc_late, sub, ItemStatus.SUBMITTED, 80, on_time_at, None, None, "", False, ""),
                    (sub, ret, ItemStatus.RETURNED, 60, on_time_at, None, review_at,
                     "佐证材料不全，请补充活动照片和签到表。", False, ""),
                ]  # fmt: skip
                for lo, hi, status, pct, sub_at, acc_at, ret_at, reason, late, delay in buckets:
                    if hi <= lo:
                        continue
                    cur.execute(base, [status, pct, dt(sub_at), dt(sub_at), dt(acc_at) if acc_at else None,
                                       dt(ret_at) if ret_at else None, reason, late, delay,
                                       ops.adapt_datefield_value(period), t_id, lo, hi])  # fmt: skip
    # everything still open and past its due date is late
    ChecklistItem.objects.filter(status__in=[ItemStatus.PENDING, ItemStatus.RETURNED],
                                 due_date__lt=timezone.localdate()).update(is_late=True)  # fmt: skip


def _demo_author():
    User = get_user_model()
    u, _ = User.objects.get_or_create(
        username="demo_import", defaults={"first_name": "演示数据", "is_active": False}
    )
    return u


def _reports_and_reviews(year: int, author) -> None:
    """One report per item that left 'pending', one review per decided item (INSERT … SELECT)."""
    item_t = ChecklistItem._meta.db_table
    rep_t = ProgressReport._meta.db_table
    rev_t = Review._meta.db_table
    task_t = Task._meta.db_table
    with connection.cursor() as cur:
        for el, text in NARRATIVES.items():
            cur.execute(
                f"INSERT INTO {rep_t} (item_id, author_id, created_at, state, percent, narrative, delay_reason, "
                f"is_late, idempotency_key) SELECT i.id, %s, i.submitted_at, "
                f"CASE WHEN i.percent >= 100 THEN 'done' ELSE 'in_progress' END, i.percent, %s, i.delay_reason, "
                f"(i.delay_reason <> ''), NULL FROM {item_t} i JOIN {task_t} t ON t.id = i.task_id "
                f"WHERE i.status <> %s AND i.submitted_at IS NOT NULL AND t.element = %s",
                [author.pk, text, ItemStatus.PENDING, el],
            )
        cur.execute(
            f"INSERT INTO {rev_t} (item_id, report_id, reviewer_id, decision, reason, at) "
            f"SELECT i.id, r.id, %s, CASE WHEN i.status = %s THEN 'accept' ELSE 'return' END, i.return_reason, "
            f"COALESCE(i.accepted_at, i.returned_at) FROM {item_t} i JOIN {rep_t} r ON r.item_id = i.id "
            f"WHERE i.status IN (%s, %s)",
            [author.pk, ItemStatus.ACCEPTED, ItemStatus.ACCEPTED, ItemStatus.RETURNED],
        )


def _villages(ctx):
    return [u for u in ctx.units if u.domain == Domain.VILLAGE and u.level == Level.UNIT and u.township_id]


def _economy(ctx: DemoContext, year: int) -> None:
    rng, paces = ctx.rng, _pace(ctx)
    rows = []
    for v in _villages(ctx):
        pace = paces.get(v.township_id, 0.7)
        income = Decimal(str(round(max(1.5, rng.gauss(4 + 10 * pace, 4.5)), 2)))
        rows.append(CollectiveIncome(organization=v, year=year, income=income, target=Decimal("10"),
                                     is_lagging=income < 4, is_weak=income < 7))  # fmt: skip
        rows.append(CollectiveIncome(organization=v, year=year - 1, income=(income * Decimal("0.8")).quantize(Decimal("0.01")),
                                     target=Decimal("8")))  # fmt: skip
    CollectiveIncome.objects.bulk_create(rows, batch_size=2000)
    below = CollectiveIncome.objects.filter(year=year, income__lt=Decimal("10")).select_related(
        "organization"
    )
    measures = []
    for inc in below:
        if paces.get(inc.organization.township_id, 0.7) < 0.6 and rng.random() < 0.6:
            continue  # slow townships have not written measures for every village yet
        measures.append(IncomeMeasure(income=inc, organization=inc.organization, owner="乡镇包村干部",
                                      content=rng.choice(["盘活闲置校舍出租，预计增收 3 万元", "领办土地股份合作社",
                                                          "发展光伏发电项目", "承接小型农田水利工程管护"]),
                                      due_date=date(year, 12, 31), done=rng.random() < 0.4))  # fmt: skip
    IncomeMeasure.objects.bulk_create(measures, batch_size=2000)


def _pocketbook(ctx: DemoContext, year: int) -> None:
    rng = ctx.rng
    pledges = ["全年开展主题党日 12 次，党员参加率 90% 以上", "村级集体经济收入突破 10 万元", "走访困难党员全覆盖",
               "建成党员群众服务中心", "培养发展年轻党员 2 名", "创建“一支部一品牌”"]  # fmt: skip
    rows = []
    for u in ctx.units:
        for k in rng.sample(range(len(pledges)), 3):
            pct = rng.choice([30, 60, 80, 100, 100])
            rows.append(Commitment(organization=u, year=year, secretary_name=u.secretary_name or "书记", content=pledges[k],
                                   due_date=date(year, 12, 31), percent=pct, fulfilled=pct == 100,
                                   rating=Decimal(rng.randint(78, 98)) if pct == 100 else None))  # fmt: skip
    Commitment.objects.bulk_create(rows, batch_size=2000)


def _activities(ctx: DemoContext, year: int) -> None:
    from members.models import Member

    rng = ctx.rng
    per_unit = {}
    for r in Member.objects.current().values("organization_id").annotate(n=Count("id")):
        per_unit[r["organization_id"]] = r["n"]
    rows = []
    topics = [
        "学习贯彻党的二十大精神",
        "重温入党誓词",
        "为民办实事志愿服务",
        "红色教育基地现场学习",
        "垃圾分类与人居环境整治",
    ]
    for u in ctx.units:
        expected = per_unit.get(u.pk, 0) or rng.randint(8, 40)
        for m in range(1, 13):
            if rng.random() < 0.1:
                continue
            att = max(1, int(expected * rng.uniform(0.7, 1.0)))
            rows.append(Activity(organization=u, kind=ActivityKind.THEME_DAY, held_on=date(year, m, rng.randint(1, 15)),
                                 topic=rng.choice(topics), expected=expected, attended=att))  # fmt: skip
        rows.append(Activity(organization=u, kind=ActivityKind.LIFE_MEETING, held_on=date(year, 12, rng.randint(10, 20)),
                             topic="2023 年度组织生活会", expected=expected, attended=max(1, expected - 1)))  # fmt: skip
    Activity.objects.bulk_create(rows, batch_size=2000)


def _centers_brands_honors_funding(ctx: DemoContext, year: int) -> None:
    rng = ctx.rng
    paces = _pace(ctx)
    centers, targets, honors, funds = [], [], [], []
    for i, u in enumerate(ctx.units):
        if u.domain in (Domain.VILLAGE, Domain.COMMUNITY) and i % 3 == 0:
            # faster townships have more centers finished (有快有慢)
            if rng.random() < paces.get(u.township_id, 0.6):
                stage = CenterStage.DONE
            else:
                stage = rng.choice([CenterStage.PLANNED, CenterStage.BUILDING, CenterStage.FITTING])
            budget = Decimal(rng.randint(30, 120))
            spent = budget * Decimal(
                {"planned": "0", "building": "0.5", "fitting": "0.85", "done": "1"}[stage]
            )
            centers.append(ServiceCenterProject(organization=u, name=f"{u.name.removesuffix('党支部').removesuffix('党总支')}党员群众服务中心",
                                                kind=CenterKind.CENTER, is_new_build=rng.random() < 0.5, stage=stage, year=year,
                                                budget=budget, spent=spent.quantize(Decimal("0.01")),
                                                completed_on=date(year, rng.randint(5, 12), 15) if stage == CenterStage.DONE else None))  # fmt: skip
        targets.append(HonorTarget(organization=u, year=year, target_level=rng.choice([HonorLevel.CITY, HonorLevel.CITY, HonorLevel.PROVINCE, HonorLevel.NATIONAL])))  # fmt: skip
        if _h(i) < 60:
            honors.append(Honor(organization=u, level=rng.choice([HonorLevel.COUNTY, HonorLevel.CITY, HonorLevel.PROVINCE]),
                                title="先进基层党组织", issuer="中共示范市委", awarded_on=date(year, 6, 28)))  # fmt: skip
        for cat in rng.sample([FundingCategory.ACTIVITY, FundingCategory.EDUCATION, FundingCategory.CARE], 2):
            funds.append(FundingRecord(organization=u, year=year, category=cat, amount=Decimal(rng.randint(5, 80)) / 10,
                                       spent_on=date(year, rng.randint(1, 12), 10), source="市县两级党建经费",
                                       note=cat.label + "支出"))  # fmt: skip
    ServiceCenterProject.objects.bulk_create(centers, batch_size=2000)
    HonorTarget.objects.bulk_create(targets, batch_size=2000)
    Honor.objects.bulk_create(honors, batch_size=2000)
    FundingRecord.objects.bulk_create(funds, batch_size=2000)
    now = timezone.now()
    brand_names = [
        "红色引擎",
        "先锋驿站",
        "连心桥",
        "党建+合作社",
        "初心课堂",
        "邻里红管家",
        "田间党课",
        "金色纽带",
    ]
    brands = []
    for i, t in enumerate(ctx.townships):
        units = [u for u in ctx.units if u.township_id == t.pk][:2]
        for k, u in enumerate(units):
            nm = brand_names[(i + k) % len(brand_names)]
            brands.append(Brand(organization=u, kind=BrandKind.VILLAGE if u.domain == Domain.VILLAGE else BrandKind.BRANCH,
                                name=f"{u.short_name or u.name[:6]}“{nm}”", concept="把支部建在产业链上，让党员成为致富带头人。",
                                theory="以党的二十大精神和基层党建整体推进试点方案为指导。", method="支部领办、党员带头、群众参与。",
                                vehicle="主题党日 + 田间课堂 + 志愿服务队", vision="三年内带动集体经济收入翻番。",
                                published_at=now if (i + k) % 3 == 0 else None))  # fmt: skip
    Brand.objects.bulk_create(brands, batch_size=1000)
    BrandCase.objects.bulk_create([BrandCase(brand=b, title="党员带头流转土地 300 亩", body="支部书记带头，12 名党员率先流转土地，"
                                             "成立专业合作社，当年分红 20 万元。") for b in Brand.objects.all()])  # fmt: skip


def _meetings_and_notices(ctx: DemoContext, year: int) -> None:
    rng = ctx.rng
    city = ctx.city
    users = ctx.users
    sender = users.get("shi") or _demo_author()
    meetings = [WeeklyMeeting(organization=city, held_on=date(year, 1, 2) + timedelta(weeks=w), topic=f"第 {w + 1} 周领导小组办公室例会",
                              minutes="通报本周一月一清单报送进度，研究推进较慢乡镇的督办措施。", attendees="领导小组办公室全体成员")
                for w in range(0, 50)]  # fmt: skip
    WeeklyMeeting.objects.bulk_create(meetings)
    decisions = []
    for w, m in enumerate(WeeklyMeeting.objects.filter(organization=city).order_by("held_on")):
        t = ctx.townships[w % len(ctx.townships)]
        done = w < 44
        decisions.append(MeetingDecision(meeting=m, organization=t, content=f"督促{t.short_name}加快清单报送进度",
                                         owner="督查组", due_date=m.held_on + timedelta(days=7),
                                         status="done" if done else "open", done_on=m.held_on + timedelta(days=6) if done else None,
                                         result="已约谈推进，进度明显加快。" if done else ""))  # fmt: skip
    MeetingDecision.objects.bulk_create(decisions)
    recipients = list(
        Organization.objects.filter(level__in=[Level.TOWNSHIP, Level.UNIT], path__startswith=city.path)
    )
    for k, title in enumerate(["关于报送 2023 年第三季度一月一清单的通知", "关于开展五星党员创评工作的通知",
                               "关于做好年底考核准备工作的通知"]):  # fmt: skip
        n = Notice.objects.create(sender_org=city, sender=sender, title=title,
                                  body="各乡镇（街道）党委、各基层党组织：请按要求做好相关工作，按时在平台报送。",
                                  sent_at=timezone.make_aware(datetime(year, 9 + k, 5, 9, 0)))  # fmt: skip
        read_share = [0.9, 0.7, 0.4][k]
        NoticeRecipient.objects.bulk_create(
            [NoticeRecipient(notice=n, organization=o,
                             read_at=n.sent_at + timedelta(hours=rng.randint(1, 72)) if rng.random() < read_share else None)
             for o in recipients], batch_size=2000)  # fmt: skip
