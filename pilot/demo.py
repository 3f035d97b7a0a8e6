"""Demo data for the pilot (2023 标准强化年): plan, tasks from the speech, checklists with a
realistic spread (some townships fast, some slow), reports, reviews; the unit records
(income, activities, centers, brands …) are in ``pilot/demo_records.py``.

Everything is set-based (INSERT … SELECT, UPDATE per township × month × bucket, bulk_create),
so the default city builds in a few seconds and ``--orgs 5000`` still scales.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F as Col
from django.utils import timezone

from branches.demo import DemoContext
from branches.models import Domain, Level, Organization

from .models import (
    AnnualGoal,
    Cadence,
    ChecklistItem,
    Element,
    Function,
    GoalMetric,
    ItemStatus,
    Plan,
    PlanYear,
    ProgressReport,
    Review,
    Task,
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
TASKS = [
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


THEMES = ["标准强化年", "质量提升年", "全面过硬年"]


def build(ctx: DemoContext) -> None:
    """The pilot runs from last year to next year: last year's and this year's tasks, the
    checklists of every month so far (the current one being reported); next year is still to be
    started by the department."""
    year, start = ctx.year, ctx.plan_start
    plan = Plan.objects.create(
        name=f"示范市基层党建整体推进三年试点（{start}—{start + 2}）",
        start_year=start,
        end_year=start + 2,
        overall_goal="用三年时间，实现全地域、全领域、全要素、全功能整体推进，每一个支部都不落后、每一名党员都不落伍。",
    )
    summaries = ["明确 6 项共性任务和各领域任务，逐一落实。", "对标对表补短板，推动后进支部整体提升。"]
    # Next year is the department's to start (启动新年度 copies this year's tasks and schemes).
    years = [PlanYear.objects.create(plan=plan, year=start + k, theme=THEMES[k], summary=summaries[k])
             for k in range(2)]  # fmt: skip
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
    # Last year and this year have all six goals (this year's coverage targets 5 points higher).
    for k, y in enumerate(years):
        AnnualGoal.objects.bulk_create(
            [AnnualGoal(plan_year=y, metric=m, name=n, threshold=th, sort_order=i,
                        target_value=min(t + 5 * k, Decimal(100)) if i < 2 else t)
             for i, (m, n, t, th) in enumerate(goals)]
        )  # fmt: skip
    proj = [u for u in ctx.units if u.branch_type_id and u.code.endswith("G01")]
    for py in years:
        tasks = []
        for i, (code, title, el, fn, cad, due, domains) in enumerate(TASKS):
            tasks.append(Task(plan_year=py, code=code, title=title, element=el, function=fn, cadence=cad,
                              due_date=date(py.year, *due) if due else None, is_common=not domains,
                              domains=domains, levels=[Level.UNIT], sort_order=i,
                              description=f"{title}：按“{el.label}”要素要求落实，按时在平台报送进度和佐证材料。"))  # fmt: skip
        Task.objects.bulk_create(tasks)
        # The project branch on a construction site is temporary: no 七类支部 self-check for it.
        if proj:
            Task.objects.get(plan_year=py, code="G03").excluded_orgs.add(*proj)

    # --- the checklists of every month so far, then a per-township pace -----------------------------
    total = 0
    for period in ctx.months():
        total += checklist_generate(period=period)
    _spread_statuses(ctx)
    author = _demo_author()
    _reports_and_reviews(year, author)
    ctx.log(f"一月一清单：{total} 项，报送 {ProgressReport.objects.count()} 条")

    from . import demo_entry, demo_records

    demo_records.build(ctx, year)

    demo_entry.build(ctx, year)


def _pace(ctx: DemoContext) -> dict[int, float]:
    """Each township's pace (0.45–0.97): the speech's 有快有慢. The demo township (zhen) is mid-fast."""
    n = len(ctx.townships)
    paces = {}
    for i, t in enumerate(ctx.townships):
        paces[t.pk] = 0.45 + 0.52 * ((i * 5 + 3) % n) / max(n - 1, 1)
    if ctx.townships:
        paces[ctx.townships[0].pk] = 0.8
    return paces


def month_shares(pace: float, age: int, progress: float) -> tuple[float, float, float, float]:
    """Shares of a month's items by how they stand today: (accepted on time, accepted late,
    submitted awaiting review, returned); the rest is still pending.

    ``age`` is how many months ago the month was (0: this month); ``progress`` how far this month
    is towards its due day (0 on the 1st, 1 on the 25th and after). Older months are nearly all
    reported; slow townships review and report less (有快有慢); this month is being reported, and
    only what is still open after the due day is overdue."""
    if age == 0 and progress < 1:
        reported = (0.1 + 0.6 * progress) * (0.6 + 0.4 * pace)
        accepted, late = 0.25, 0.0
    elif age == 0:
        reported, accepted, late = 0.75 + 0.2 * pace, 0.35, 0.45 * (1 - pace)
    elif age <= 3:
        reported = (0.85 + 0.13 * pace) if age == 1 else (0.93 + 0.065 * pace)
        accepted = 1 - (1 - pace) * {1: 0.8, 2: 0.7, 3: 0.6}[age]
        late = 0.45 * (1 - pace)
    else:  # long settled: the slow township's backlog is what is left
        reported, accepted, late = 0.97 + 0.03 * pace, 1 - (1 - pace) * 0.35, 0.45 * (1 - pace)
    acc = reported * accepted
    rest = reported - acc
    returned = 0.15 if age == 0 else 0.3 if age <= 3 else 0.1
    return acc * (1 - late), acc * late, rest * (1 - returned), rest * returned


def _spread_statuses(ctx: DemoContext) -> None:
    """Each month as it stands on ``ctx.today`` (see ``month_shares``), set-based: a scratch table
    holds every township's bucket edges per month, and one UPDATE per (month, bucket) moves the
    items whose hash falls between their township's edges — accepted on time / late, submitted,
    returned; the rest stay pending."""
    today = ctx.today
    tz = timezone.get_current_timezone()
    paces = {**_pace(ctx), 0: 0.75}  # 0: the city-level organs, institutions and enterprises
    item_t = ChecklistItem._meta.db_table
    org_t = Organization._meta.db_table
    ops = connection.ops
    dt = ops.adapt_datetimefield_value
    cap = datetime.combine(today, time(9, 0), tz)  # nothing happened later than this morning
    months = ctx.months()
    edges_rows = []
    for mi, period in enumerate(months):
        age = (today.year - period.year) * 12 + today.month - period.month
        progress = min(1.0, (today.day - 1) / 24) if age == 0 else 1.0
        for t_id, pace in paces.items():
            edges = [0]
            for share in month_shares(pace, age, progress):
                edges.append(edges[-1] + round(1000 * share))
            edges_rows += [(t_id, mi, k, edges[k], edges[k + 1]) for k in range(4) if edges[k + 1] > edges[k]]
    h = f"(({item_t}.id * 7919 + {item_t}.organization_id * 104729) %% 1000)"
    sql = (f"UPDATE {item_t} SET status=%s, percent=%s, submitted_at=%s, last_submitted_at=%s, accepted_at=%s, "
           f"returned_at=%s, return_reason=%s, is_late=%s, delay_reason=%s WHERE period=%s AND EXISTS ("
           f"SELECT 1 FROM {org_t} o JOIN demo_pace p ON p.town = COALESCE(o.township_id, 0) "
           f"WHERE o.id = {item_t}.organization_id AND p.month = %s AND p.bucket = %s AND {h} >= p.lo AND {h} < p.hi)")  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE demo_pace (town integer, month integer, bucket integer, lo integer, hi integer)"
        )
        cur.executemany("INSERT INTO demo_pace VALUES (%s, %s, %s, %s, %s)", edges_rows)
        cur.execute("CREATE INDEX demo_pace_key ON demo_pace (town, month, bucket)")
        for mi, period in enumerate(months):
            due = period.replace(day=25)
            floor = datetime.combine(period, time(8, 0), tz)
            on_time_at = max(floor, min(datetime.combine(due - timedelta(days=3), time(16, 0), tz),
                                        cap - timedelta(hours=20)))  # fmt: skip
            late_at = min(datetime.combine(due + timedelta(days=6), time(10, 0), tz), cap)
            review_at = max(on_time_at, min(datetime.combine(due + timedelta(days=8), time(9, 0), tz), cap))
            late_review_at = max(late_at, review_at)
            buckets = [
                (ItemStatus.ACCEPTED, 100, on_time_at, review_at, None, "", False, ""),
                (ItemStatus.ACCEPTED, 100, late_at, late_review_at, None, "", True,
                 "村“两委”成员外出参加培训，活动顺延一周。"),
                (ItemStatus.SUBMITTED, 80, on_time_at, None, None, "", False, ""),
                (ItemStatus.RETURNED, 60, on_time_at, None, review_at,
                 "佐证材料不全，请补充活动照片和签到表。", False, ""),
            ]  # fmt: skip
            for k, (status, pct, sub_at, acc_at, ret_at, reason, late, delay) in enumerate(buckets):
                cur.execute(sql, [status, pct, dt(sub_at), dt(sub_at), dt(acc_at) if acc_at else None,
                                  dt(ret_at) if ret_at else None, reason, late, delay,
                                  ops.adapt_datefield_value(period), mi, k])  # fmt: skip
        cur.execute("DROP TABLE demo_pace")
    _diligent_demo_village(ctx)
    # The buckets' times follow the 25th; a once-task due on another day is late exactly when it was
    # reported after its own due date.
    reported = ChecklistItem.objects.filter(status__in=[ItemStatus.ACCEPTED, ItemStatus.SUBMITTED])
    reported.filter(is_late=True, submitted_at__date__lte=Col("due_date")).update(
        is_late=False, delay_reason=""
    )
    reported.filter(is_late=False, submitted_at__date__gt=Col("due_date")).update(
        is_late=True, delay_reason="村“两委”成员外出参加培训，活动顺延一周。"
    )
    # What is still open is late exactly when its due date has passed — on ctx.today, not on the
    # day the demo happens to be built (the month's job flags by the real date).
    open_items = ChecklistItem.objects.filter(status__in=[ItemStatus.PENDING, ItemStatus.RETURNED])
    open_items.filter(due_date__lt=today).update(is_late=True)
    open_items.filter(due_date__gte=today).update(is_late=False)


def _diligent_demo_village(ctx: DemoContext) -> None:
    """The demo village secretary (cun) reports on time: of this month's items already past their
    due date, at most one is still open (the one the township is chasing)."""
    org = ctx.account_orgs.get("cun")
    if org is None:
        return
    late = list(
        ChecklistItem.objects.filter(organization_id=org.pk, period=ctx.today.replace(day=1),
                                     status__in=[ItemStatus.PENDING, ItemStatus.RETURNED], due_date__lt=ctx.today)
        .order_by("due_date", "id").values_list("id", "due_date")
    )  # fmt: skip
    tz = timezone.get_current_timezone()
    for pk, due in late[1:]:
        at = datetime.combine(due - timedelta(days=2), time(17, 0), tz)
        ChecklistItem.objects.filter(pk=pk).update(status=ItemStatus.SUBMITTED, percent=100, submitted_at=at,
                                                   last_submitted_at=at, returned_at=None, return_reason="")  # fmt: skip


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
