"""Builders for assessment tests: a small explicit scheme and data set up through the services.

Checklist items (the pilot app's rows) are written directly: they are the input the scoring
reads, and the pilot's own tests cover how secretaries produce them.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from assessments import services
from assessments.models import GradeBand, Indicator, Scheme, SchemeKind, Standard, StandardItem
from members.models import Member, PioneerScore
from members.resident_id import make

D = Decimal


def make_scheme(year=2023, kind=SchemeKind.SUPERVISION, *, veto_effect="lagging", publish=True) -> Scheme:
    """60 common points + 40 village points; findings −2 each (cap 6); honor bonus ≤ 3; a veto."""
    s = Scheme.objects.create(
        year=year,
        kind=kind,
        name="测试指标体系",
        subject="unit",
        veto_effect=veto_effect,
        bonus_cap=D("5"),
        domains=["village"],
    )
    rows = [
        ("completion", "任务完成率", "base", "", "pilot.completion", "linear", 40, {"lo": 0, "hi": 1, "default": 0}),
        ("satisfaction", "群众满意度", "base", "", "survey.satisfaction", "linear", 20, {"lo": 0.5, "hi": 1, "default": 0.8}),
        ("standards", "标准达标率", "base", "village", "standards.met", "linear", 40, {"lo": 0, "hi": 1, "default": 0}),
        ("findings", "督查问题", "deduction", "", "findings.weighted", "per_item", 6, {"per_item": 2, "cap": 6}),
        ("honor", "表彰", "bonus", "", "entered:honor", "direct", 3, {}),
        ("veto", "一票否决", "veto", "", "entered:veto", "flag", 0, {}),
    ]  # fmt: skip
    for i, (code, name, kind_, dom, src, mapping, w, params) in enumerate(rows):
        Indicator.objects.create(scheme=s, code=code, name=name, kind=kind_, domain=dom, source=src,
                                 mapping=mapping, weight=D(w), params=params, sort_order=i)  # fmt: skip
    GradeBand.objects.create(
        scheme=s, code="five", label="五星", min_score=90, stars=5, requires_innovation=True
    )
    GradeBand.objects.create(scheme=s, code="four", label="四星", min_score=70, stars=4)
    GradeBand.objects.create(scheme=s, code="lagging", label="后进", min_score=0, stars=0, is_lagging=True)
    if publish:
        services.scheme_publish(actor=None, scheme=s)
    return s


def village_standard(year=2023, n=4) -> list[StandardItem]:
    st = Standard.objects.create(domain="village", year=year, name="农村党支部合格标准")
    return [StandardItem.objects.create(standard=st, text=f"标准第{i + 1}条", sort_order=i) for i in range(n)]


_plan_year = {}


def checklist(org, *, month: date, accepted: int, total: int, year=2023):
    """``total`` items due in ``month`` for ``org``, of which ``accepted`` were accepted on time."""
    from pilot.models import ChecklistItem, Plan, PlanYear, Task

    py = PlanYear.objects.filter(year=year).first()
    if py is None:
        plan = Plan.objects.create(name="三年试点", start_year=year, end_year=year + 2)
        py = PlanYear.objects.create(plan=plan, year=year, theme="标准强化年")
    base = Task.objects.filter(plan_year=py).count()
    tasks = [
        Task.objects.create(plan_year=py, code=f"T{base + i}", title=f"任务{base + i}", element="system", function="political")
        for i in range(total)
    ]  # fmt: skip
    due = month.replace(day=25)
    at = timezone.make_aware(datetime(month.year, month.month, 20))
    for i, t in enumerate(tasks):
        ok = i < accepted
        ChecklistItem.objects.create(
            organization=org, task=t, period=month, due_date=due, status="accepted" if ok else "pending",
            submitted_at=at if ok else None, accepted_at=at if ok else None,
        )  # fmt: skip


def survey(org, ratings: list[str], day: date, tag="x"):
    for i, r in enumerate(ratings):
        assert services.survey_answer(organization=org, device=f"{tag}-{org.pk}-{i}", rating=r, today=day)


def self_check_and_verify(org, items, met: int, *, secretary, reviewer):
    for i, item in enumerate(items):
        chk = services.standard_self_check(actor=secretary, organization=org, item=item, met=True)
        services.standard_verify(actor=reviewer, check=chk, met=i < met)


def finding(org, *, actor, severity="general", on=date(2023, 8, 10), deadline=date(2023, 8, 31)):
    ins = services.inspection_record(
        actor=actor, organization=org, visited_on=on,
        findings=[{"problem": "三会一课记录不全", "deadline": deadline, "owner": "张书记", "severity": severity}],
    )  # fmt: skip
    return ins.findings.get()


def pioneer_member(org, i, *, eid: bool, total: int, stars: int, scheme):
    born = date(1960, 1, 1 + i)
    m = Member.objects.create(name=f"党员{i}", gender="M", resident_id=make("110105", born, 10 + i, True), birth_date=born,
                              joined_on=date(1980, 7, 1), organization=org, eid_authenticated=eid)  # fmt: skip
    PioneerScore.objects.create(member=m, scheme=scheme, year=2023, total=total, stars=stars)
    return m


def fortress_rows(c):
    """A year (2023) of 甲一村第一党支部's own rows and the default schemes (tests/assessments/
    test_fortress.py works its fortress index out by hand: 61.83, 二星)."""
    from assessments.defaults import seed_default_schemes
    from members.models import PioneerScheme
    from pilot import services as pilot_services

    shi, zhen, cun = c.users["shi"], c.users["zhen"], c.users["cun"]
    seed_default_schemes(2023)
    br = c.a1_branch
    # 10 organizational-life meetings in 2023 (and one in 2022, another year)
    for k in range(10):
        pilot_services.activity_record(actor=cun, organization=br, kind="theme_day",
                                       held_on=date(2023, k + 1, 15), topic=f"{k + 1}月主题党日")  # fmt: skip
    pilot_services.activity_record(
        actor=cun, organization=br, kind="theme_day", held_on=date(2022, 12, 15), topic="旧"
    )
    # standards: 3 of the 4 village items verified met
    items = village_standard(n=4)
    self_check_and_verify(br, items, 3, secretary=cun, reviewer=zhen)
    # members: 4 current, 3 e-ID authenticated; pioneer 95 ★5, 85 ★4, 80 ★4, 70 ★3
    ps = PioneerScheme.objects.create(year=2023, name="先锋指数")
    for i, (eid, total, stars) in enumerate([(True, 95, 5), (True, 85, 4), (True, 80, 4), (False, 70, 3)]):
        pioneer_member(br, i, eid=eid, total=total, stars=stars, scheme=ps)
    # one 一般 finding about the branch, deadline 2023-08-31, never rectified
    finding(br, actor=shi, severity="general")
    # a 省级 honor recorded in 试点推进 for the year: +2 (市级 1、省级 2、国家级 3; never typed again)
    from pilot.models import Honor

    pilot_services.record_create(actor=shi, organization=br,
                                 obj=Honor(level="province", title="先进基层党组织", awarded_on=date(2023, 6, 1)))  # fmt: skip
