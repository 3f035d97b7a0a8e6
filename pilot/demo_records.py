"""Demo data for the pilot's unit records: collective income, pocketbook, activities, centers, brands, honors, funding, meetings, notices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count

from branches.demo import DemoContext
from branches.models import Domain, Level, Organization

from .demo import _demo_author, _h, _pace
from .models import (
    Activity,
    ActivityKind,
    Brand,
    BrandCase,
    BrandKind,
    CenterKind,
    CenterStage,
    CollectiveIncome,
    Commitment,
    FundingCategory,
    FundingRecord,
    Honor,
    HonorLevel,
    HonorTarget,
    IncomeMeasure,
    MeetingDecision,
    Notice,
    NoticeRecipient,
    ServiceCenterProject,
    WeeklyMeeting,
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


def _activities(ctx: DemoContext) -> None:
    """Every unit and every branch keeps its own organizational life, month by month up to today:
    主题党日 and 支委会 monthly, 党员大会 and 党课 quarterly (三会一课), 组织生活会 each December. Most
    are diligent; about one in twelve lets it slide (a few months with nothing held)."""
    from members.bulk import insert_rows
    from members.models import Member

    rng, today = ctx.rng, ctx.today
    rand = rng.random
    per_org = {}
    for r in Member.objects.current().values("organization_id").annotate(n=Count("id")):
        per_org[r["organization_id"]] = r["n"]
    topics = {
        ActivityKind.THEME_DAY: ["学习贯彻党的二十大精神", "重温入党誓词", "为民办实事志愿服务", "红色教育基地现场学习",
                                 "垃圾分类与人居环境整治"],
        ActivityKind.COMMITTEE_MEETING: ["研究本月一月一清单任务", "研究发展党员工作", "研究困难党员帮扶"],
        ActivityKind.MEMBERS_MEETING: ["通报季度工作，讨论接收预备党员", "学习上级文件精神"],
        ActivityKind.PARTY_LECTURE: ["书记讲党课：担当作为", "党史专题党课"],
    }  # fmt: skip
    monthly = [(ActivityKind.THEME_DAY, 1.0), (ActivityKind.COMMITTEE_MEETING, 0.9)]
    quarterly = [(ActivityKind.MEMBERS_MEETING, 0.95), (ActivityKind.PARTY_LECTURE, 0.9)]
    orgs = list({o.pk: o for o in ctx.units + ctx.leaves}.values())
    months = [(p, monthly + (quarterly if p.month % 3 == 0 else [])) for p in ctx.months()]
    rows = []  # (organization_id, kind, held_on, topic, notes, expected, attended, created_by_id)
    for o in orgs:
        expected = per_org.get(o.pk, 0) or rng.randint(8, 40)
        diligence = rng.uniform(0.25, 0.6) if rand() < 0.08 else rng.uniform(0.85, 1.0)
        if ctx.exemplary(o.pk):
            diligence = 1.0  # 示范党支部: every meeting every month
        elif ctx.struggling(o.pk):
            diligence = min(diligence, 0.5)  # months with nothing held
        for period, kinds in months:
            for kind, p in kinds:
                if rand() >= diligence * p:
                    continue
                held = period.replace(day=1 + int(rand() * 20))
                if held > today:
                    continue
                options = topics[kind]
                rows.append((o.pk, kind, held, options[int(rand() * len(options))], "", expected,
                             max(1, int(expected * (0.7 + 0.3 * rand()))), None))  # fmt: skip
            held = date(period.year, 12, 18)
            if period.month == 12 and held <= today:
                rows.append((o.pk, ActivityKind.LIFE_MEETING, held, f"{period.year} 年度组织生活会", "", expected,
                             max(1, expected - 1), None))  # fmt: skip
    fields = ("organization_id", "kind", "held_on", "topic", "notes", "expected", "attended", "created_by_id")
    insert_rows(Activity, fields, rows, batch_size=5000)
    ctx.log(f"组织活动：{len(rows)} 次（{len(orgs)} 个组织）")


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
                                                completed_on=ctx.day_between(date(year - 1, 9, 1)) if stage == CenterStage.DONE else None))  # fmt: skip
        targets.append(HonorTarget(organization=u, year=year, target_level=rng.choice([HonorLevel.CITY, HonorLevel.CITY, HonorLevel.PROVINCE, HonorLevel.NATIONAL])))  # fmt: skip
        if _h(i) < 60:
            honors.append(Honor(organization=u, level=rng.choice([HonorLevel.COUNTY, HonorLevel.CITY, HonorLevel.PROVINCE]),
                                title="先进基层党组织", issuer="中共示范市委", awarded_on=date(year if date(year, 6, 28) <= ctx.today else year - 1, 6, 28)))  # fmt: skip
        for cat in rng.sample([FundingCategory.ACTIVITY, FundingCategory.EDUCATION, FundingCategory.CARE], 2):
            funds.append(FundingRecord(organization=u, year=year, category=cat, amount=Decimal(rng.randint(5, 80)) / 10,
                                       spent_on=ctx.day_between(date(year, 1, 1)), source="市县两级党建经费",
                                       note=cat.label + "支出"))  # fmt: skip
    ServiceCenterProject.objects.bulk_create(centers, batch_size=2000)
    HonorTarget.objects.bulk_create(targets, batch_size=2000)
    Honor.objects.bulk_create(honors, batch_size=2000)
    FundingRecord.objects.bulk_create(funds, batch_size=2000)
    now = ctx.at(ctx.today - timedelta(days=30))
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
    # 一周一例会: the last 40 weeks' Monday meetings; what was decided in the last fortnight is open,
    # and one in eleven older decisions is still open (overdue).
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    meetings = [WeeklyMeeting(organization=city, held_on=monday - timedelta(weeks=40 - w), topic=f"第 {w + 1} 次领导小组办公室周例会",
                              minutes="通报本周一月一清单报送进度，研究推进较慢乡镇的督办措施。", attendees="领导小组办公室全体成员")
                for w in range(41)]  # fmt: skip
    WeeklyMeeting.objects.bulk_create(meetings)
    decisions = []
    for w, m in enumerate(WeeklyMeeting.objects.filter(organization=city).order_by("held_on")):
        t = ctx.townships[w % len(ctx.townships)]
        done = m.held_on + timedelta(days=14) < ctx.today and w % 11 != 5
        decisions.append(MeetingDecision(meeting=m, organization=t, content=f"督促{t.short_name}加快清单报送进度",
                                         owner="督查组", due_date=m.held_on + timedelta(days=7),
                                         status="done" if done else "open", done_on=m.held_on + timedelta(days=6) if done else None,
                                         result="已约谈推进，进度明显加快。" if done else ""))  # fmt: skip
    MeetingDecision.objects.bulk_create(decisions)
    recipients = list(
        Organization.objects.filter(level__in=[Level.TOWNSHIP, Level.UNIT], path__startswith=city.path)
    )
    now = ctx.at(ctx.today, 9)
    quarter = "一二三四"[(ctx.today.month - 1) // 3]
    titles = [f"关于报送 {year} 年第{quarter}季度一月一清单的通知", "关于开展五星党员创评工作的通知",
              "关于做好年底考核准备工作的通知"]  # fmt: skip
    for k, title in enumerate(titles):
        n = Notice.objects.create(sender_org=city, sender=sender, title=title,
                                  body="各乡镇（街道）党委、各基层党组织：请按要求做好相关工作，按时在平台报送。",
                                  sent_at=ctx.at(ctx.today - timedelta(days=[40, 20, 3][k]), 9))  # fmt: skip
        read_share = [0.9, 0.7, 0.4][k]
        NoticeRecipient.objects.bulk_create(
            [NoticeRecipient(notice=n, organization=o,
                             read_at=min(n.sent_at + timedelta(hours=rng.randint(1, 72)), now) if rng.random() < read_share else None)
             for o in recipients], batch_size=2000)  # fmt: skip


def build(ctx: DemoContext, year: int) -> None:
    """The unit records of the pilot, in the order ``pilot.demo.build`` made them."""
    _economy(ctx, year)
    _pocketbook(ctx, year)
    _activities(ctx)
    _centers_brands_honors_funding(ctx, year)
    _meetings_and_notices(ctx, year)
