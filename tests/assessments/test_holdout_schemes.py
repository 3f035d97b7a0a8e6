"""Two schemes nobody here designed, entered in the back office exactly as the department would
(the admin's add form with its inlines, then the 校验并发布 action), computed by the ordinary run
— no workaround — and checked against arithmetic done by hand in the comments.

1. A police bureau's 五星创评 (8 indicators, 110 points) for the bureau's own branches, running
   beside the city's scheme: the bureau's branches are scored by it, a village branch by the city's.
2. A Qinghai-style 堡垒指数: 60 common points + 40 per domain, with a 负面清单 (满意度 < 60 %;
   连续 6 个月未开展组织生活 → 清零; 严重违纪) and 后进 as its own rule (below 60 or vetoed).
"""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from assessments import scoring, services
from assessments.models import Scheme, ScoreResult, ScoreRun
from branches.models import AuditEvent, Domain, Level
from pilot import services as pilot
from pilot.models import CollectiveIncome, Honor
from tests.assessments import helpers as h
from tests.factories import make_org

D = Decimal
FIELDS = ["sort_order", "code", "name", "kind", "element", "domain", "source", "mapping", "weight", "params",
          "condition_op", "condition_value", "veto_effect"]  # fmt: skip


@pytest.fixture
def root(db, client):
    u = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(u)
    return u


def admin_add_scheme(client, scheme: dict, indicators: list[tuple], bands: list[tuple]) -> Scheme:
    """POST the admin's add form for a scheme with its indicator and band inlines."""
    data = {
        "year": 2023, "version": "", "subject": "branch", "description": "", "scope": "", "total_points": "100",
        "bonus_cap": "", "deduction_cap": "", "lagging_below": "", "lagging_bottom_percent": "",
        "veto_effect": "lagging", "notice_days": "5", "lagging_vetoed": "on",
        "indicators-TOTAL_FORMS": str(len(indicators)), "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0", "indicators-MAX_NUM_FORMS": "1000",
        "bands-TOTAL_FORMS": str(len(bands)), "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update({k: v for k, v in scheme.items() if v is not None})
    if not scheme.get("lagging_vetoed", True):
        data.pop("lagging_vetoed")
    for n, row in enumerate(indicators):
        code, name, kind, element, domain, source, mapping, weight, params, *cond = row
        cond = (cond + ["", "", ""])[:3]
        values = [n, code, name, kind, element, domain, source, mapping, weight, json.dumps(params), *cond]
        data.update({f"indicators-{n}-{f}": v for f, v in zip(FIELDS, values, strict=True)})
    for n, (code, label, min_score, stars, is_lagging) in enumerate(bands):
        data.update({f"bands-{n}-code": code, f"bands-{n}-label": label, f"bands-{n}-min_score": min_score,
                     f"bands-{n}-stars": stars, f"bands-{n}-quota_percent": ""})  # fmt: skip
        if is_lagging:
            data[f"bands-{n}-is_lagging"] = "on"
    resp = client.post(reverse("admin:assessments_scheme_add"), data)
    assert resp.status_code == 302, re.findall(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', resp.content.decode(), re.S
    )
    return Scheme.objects.get(name=scheme["name"])


def admin_publish(client, scheme: Scheme) -> str:
    resp = client.post(
        reverse("admin:assessments_scheme_changelist"),
        {"action": "publish", "_selected_action": [scheme.pk]},
        follow=True,
    )
    return resp.content.decode()


def compute(actor, period="2023", kind="fortress", chunk_size=None) -> ScoreRun:
    run = services.run_start(actor=actor, period=period, kind=kind, enqueue=False, chunk_size=chunk_size)
    scoring.run_compute(run.pk)
    return ScoreRun.objects.get(pk=run.pk)


def results(run) -> dict:
    return {
        r.organization.name: r for r in ScoreResult.objects.filter(run=run).select_related("organization")
    }


def activities_in(org, actor, months):
    for m in months:
        pilot.activity_record(actor=actor, organization=org, kind="theme_day", held_on=date(2023, m, 8),
                              topic=f"{m}月主题党日")  # fmt: skip


def checklist(org, accepted, total=4):
    h.checklist(org, month=date(2023, 5, 1), accepted=accepted, total=total)


def surveys(org, ratings):
    h.survey(org, ratings, date(2023, 6, 10), tag=org.code)


def duty(org, actor, ratings):
    rep = services.duty_report_save(actor=actor, organization=org, year=2023, title="述职", body="述职内容")
    for i, r in enumerate(ratings):
        assert services.duty_rate(report=rep, device=f"d{org.pk}-{i}", rater="member", rating=r)


def commitments(org, actor, done, total=2):
    for i in range(total):
        c = pilot.commitment_add(actor=actor, organization=org, year=2023, content=f"承诺{i + 1}")
        if i < done:
            pilot.commitment_progress(actor=actor, commitment=c, percent=100)


def honor(org, actor, level):
    pilot.record_create(actor=actor, organization=org,
                        obj=Honor(level=level, title="先进基层党组织", awarded_on=date(2023, 7, 1)))  # fmt: skip


# --- 1. a police bureau's 五星创评 beside the city's scheme ----------------------------------------

POLICE = [
    # 8 indicators, 110 points
    ("life", "组织生活（按月开展）", "base", "activity", "", "pilot.life_months", "thresholds", "20",
     {"steps": [[12, 20], [10, 15], [8, 10], [6, 5]]}),
    ("completion", "重点任务完成率", "base", "system", "", "pilot.completion", "linear", "15", {"lo": 0, "hi": 1, "default": 0}),
    ("timeliness", "按时报送率", "base", "system", "", "pilot.timeliness", "linear", "10", {"lo": 0, "hi": 1, "default": 1}),
    ("team", "队伍建设（上级评定）", "base", "team", "", "entered:team", "direct", "15", {}),
    ("satisfaction", "群众满意度", "base", "activity", "", "survey.satisfaction", "linear", "15",
     {"lo": 0.5, "hi": 1, "default": 0.8}),
    ("duty", "述职评议", "base", "system", "", "duty.rating", "linear", "10", {"lo": 0.5, "hi": 1, "default": 0.8}),
    ("pocketbook", "书记承诺兑现率", "base", "guarantee", "", "pilot.pocketbook", "linear", "10", {"lo": 0, "hi": 1, "default": 0}),
    ("honor", "所获荣誉（县级6、市级9、省级12、国家级15）", "base", "other", "", "pilot.honor_level", "thresholds", "15",
     {"steps": [[4, 15], [3, 12], [2, 9], [1, 6]]}),
]  # fmt: skip
POLICE_BANDS = [("five", "五星", "100", 5, False), ("four", "四星", "90", 4, False),
                ("three", "三星", "80", 3, False), ("two", "二星", "70", 2, False), ("one", "一星", "60", 1, False)]  # fmt: skip


@pytest.fixture(params=["run", "chunk"])
def source_scope(request, settings):
    """Both ways a run reads its sources: once for the city, or per chunk (2 units) with quotas,
    the 末位 rule and ranks applied in SQL at the end — the same rows either way."""
    settings.ASSESSMENTS_SOURCE_SCOPE = request.param
    return 2 if request.param == "chunk" else None


def test_police_bureau_five_star_scheme_runs_beside_the_citys(
    root, client, django_assert_max_num_queries, source_scope
):
    city = make_org(None, name="示范市委", level=Level.CITY, code="C")
    bureau = make_org(city, name="市公安局党委", level=Level.COUNTY, code="GA", domain=Domain.ORGAN)
    p = {
        n: make_org(bureau, name=f"派出所第{n}党支部", code=f"GA0{n}", domain=Domain.ORGAN)
        for n in (1, 2, 3, 4)
    }
    town = make_org(city, name="甲镇党委", level=Level.TOWNSHIP, code="TA")
    village = make_org(town, name="甲一村党支部", code="TA01", domain=Domain.VILLAGE)

    # The city's scheme (every branch): completion only, 合格 ≥ 60, a 后进 band.
    citys = admin_add_scheme(
        client, {"name": "全市堡垒指数", "kind": "fortress"},
        [("completion", "任务完成率", "base", "system", "", "pilot.completion", "linear", "100", {"lo": 0, "hi": 1, "default": 0})],
        [("ok", "合格", "60", 1, False), ("lagging", "后进", "0", 0, True)],
    )  # fmt: skip
    assert "已发布" in admin_publish(client, citys)
    police = admin_add_scheme(
        client,
        {"name": "公安局五星创评", "kind": "fortress", "scope": bureau.pk, "total_points": "110",
         "lagging_bottom_percent": "25"},
        POLICE, POLICE_BANDS,
    )  # fmt: skip
    assert "已发布" in admin_publish(client, police)
    citys.refresh_from_db()
    assert citys.status == "published"  # the bureau's scheme runs beside it, not instead

    # P1: 12 months of life → 20; checklist 4/4 → 15 + 10; 上级评定 team 15; survey 4 满意 → 1.0 → 15;
    #     duty 2 满意 → 1.0 → 10; commitments 2/2 → 10; a 省级 honor (3) → 12.
    #     20 + 15 + 10 + 15 + 15 + 10 + 10 + 12 = 107 → 五星 (≥ 100)
    activities_in(p[1], root, range(1, 13))
    checklist(p[1], 4)
    surveys(p[1], ["satisfied"] * 4)
    duty(p[1], root, ["satisfied"] * 2)
    commitments(p[1], root, 2)
    honor(p[1], root, "province")
    # P2: 10 months → 15; 4/4 → 25; team 12; 3 满意 1 基本 → 0.875 → 15 × 0.375/0.5 = 11.25;
    #     duty 满意 + 基本 → 0.75 → 10 × 0.25/0.5 = 5; commitments 1/2 → 5; 市级 (2) → 9.
    #     15 + 25 + 12 + 11.25 + 5 + 5 + 9 = 82.25 → 三星 (≥ 80)
    activities_in(p[2], root, range(1, 11))
    checklist(p[2], 4)
    surveys(p[2], ["satisfied"] * 3 + ["basic"])
    duty(p[2], root, ["satisfied", "basic"])
    commitments(p[2], root, 1)
    honor(p[2], root, "city")
    # P3: 8 months → 10; 2/4 → 7.5 + 5; team 15; 2 满意 2 基本 → 0.75 → 7.5; no duty report → 0.8
    #     → 10 × 0.3/0.5 = 6; commitments 1/2 → 5; 市级 → 9.
    #     10 + 12.5 + 15 + 7.5 + 6 + 5 + 9 = 65 → 一星 (≥ 60), NOT 后进
    activities_in(p[3], root, range(1, 9))
    checklist(p[3], 2)
    surveys(p[3], ["satisfied"] * 2 + ["basic"] * 2)
    commitments(p[3], root, 1)
    honor(p[3], root, "city")
    # P4: 12 months → 20; 2/4 → 12.5; team 15; 2 满意 1 基本 1 不满意 → 0.625 → 15 × 0.125/0.5 = 3.75;
    #     duty 基本 + 不满意 → 0.25 → 0; commitments 0/2 → 0; 省级 → 12.
    #     20 + 12.5 + 15 + 3.75 + 0 + 0 + 12 = 63.25 → 一星, and the lowest of 4: floor(4 × 25 %) = 1
    #     → 后进 by the bureau's own rule (bottom 25 %)
    activities_in(p[4], root, range(1, 13))
    checklist(p[4], 2)
    surveys(p[4], ["satisfied"] * 2 + ["basic", "unsatisfied"])
    duty(p[4], root, ["basic", "unsatisfied"])
    commitments(p[4], root, 0)
    honor(p[4], root, "province")
    # the village branch, the city's scheme: checklist 3/4 → 75 → 合格
    checklist(village, 3)

    # team (entered:team) for the four branches at once, through the portal's grid
    grid = reverse("assessments:entry_grid", args=[bureau.pk])
    with django_assert_max_num_queries(20):
        page = client.get(grid, {"kind": "fortress", "period": "2023"})
    html = page.content.decode()
    assert page.status_code == 200 and 'aria-label="派出所第1党支部 · 队伍建设（上级评定）"' in html
    assert "甲一村" not in html  # outside the chosen subtree
    post = {"kind": "fortress", "period": "2023"}
    post.update({f"v-{p[n].pk}-team": v for n, v in ((1, "15"), (2, "12"), (3, "15"), (4, "15"))})
    assert client.post(grid, post).status_code == 302

    run = compute(root, chunk_size=source_scope)
    got = results(run)
    by = {n: got[f"派出所第{n}党支部"] for n in (1, 2, 3, 4)}
    assert [by[n].total for n in (1, 2, 3, 4)] == [D("107"), D("82.25"), D("65"), D("63.25")]
    assert [by[n].stars for n in (1, 2, 3, 4)] == [5, 3, 1, 1]
    assert [by[n].lagging for n in (1, 2, 3, 4)] == [False, False, False, True]
    assert {by[n].scheme_id for n in by} == {police.pk}
    assert [by[n].rank_city for n in (1, 2, 3, 4)] == [1, 2, 3, 4]  # ranked among the bureau's branches
    v = got["甲一村党支部"]
    assert (v.scheme_id, v.total, v.grade_label, v.lagging, v.rank_city) == (
        citys.pk,
        D("75"),
        "合格",
        False,
        1,
    )
    # every typed value went through entry_set: audited with its old and new value
    ev = AuditEvent.objects.filter(action="entry_set").order_by("id").last()
    assert ev.changes["value"] == [None, "15"]


# --- 2. a Qinghai-style 堡垒指数: 60 common + 40 per domain, with a 负面清单 ---------------------------

COMMON = [
    ("completion", "重点任务完成率", "base", "system", "", "pilot.completion", "linear", "20", {"lo": 0, "hi": 1, "default": 0}),
    ("timeliness", "按时报送率", "base", "system", "", "pilot.timeliness", "linear", "10", {"lo": 0, "hi": 1, "default": 1}),
    ("satisfaction", "群众满意度", "base", "activity", "", "survey.satisfaction", "linear", "15",
     {"lo": 0.5, "hi": 1, "default": 0.8}),
    ("pocketbook", "书记承诺兑现率", "base", "guarantee", "", "pilot.pocketbook", "linear", "15", {"lo": 0, "hi": 1, "default": 0}),
]  # fmt: skip
LIFE_STEPS = {"steps": [[12, 20], [9, 14], [6, 8]]}
VILLAGE = [
    ("income-v", "村集体经济收入达到目标", "base", "guarantee", "village", "pilot.income_rate", "linear", "20",
     {"lo": 0, "hi": 1, "default": 0}),
    ("life-v", "组织生活（按月）", "base", "activity", "village", "pilot.life_months", "thresholds", "20", LIFE_STEPS),
]  # fmt: skip
ORGAN = [
    ("duty-o", "述职评议", "base", "system", "organ", "duty.rating", "linear", "20", {"lo": 0.5, "hi": 1, "default": 0.8}),
    ("life-o", "组织生活（按月）", "base", "activity", "organ", "pilot.life_months", "thresholds", "20", LIFE_STEPS),
]  # fmt: skip
NEGATIVE = [
    ("honor", "所获荣誉（市级1、省级3、国家级5）", "bonus", "other", "", "pilot.honor_level", "thresholds", "5",
     {"steps": [[4, 5], [3, 3], [2, 1]]}),
    # 负面清单
    ("low-sat", "群众满意度低于60%", "veto", "other", "", "survey.satisfaction", "flag", "0", {}, "lt", "0.6", ""),
    ("no-life", "连续6个月未开展组织生活", "veto", "other", "", "pilot.life_months", "flag", "0", {}, "streak", "6", "zero"),
    ("discipline", "严重违纪违法", "veto", "other", "", "entered:veto", "flag", "0", {}),
]  # fmt: skip
QH_BANDS = [("five", "五星", "90", 5, False), ("four", "四星", "80", 4, False), ("three", "三星", "70", 3, False),
            ("two", "二星", "60", 2, False), ("one", "一星", "50", 1, False)]  # fmt: skip


def test_qinghai_fortress_index_with_domain_parts_and_a_negative_list(root, client, source_scope):
    city = make_org(None, name="示范市委", level=Level.CITY, code="C")
    town = make_org(city, name="甲镇党委", level=Level.TOWNSHIP, code="TA")
    organs = make_org(city, name="市直机关工委", level=Level.COUNTY, code="JG", domain=Domain.ORGAN)
    v1, v2, v3 = (
        make_org(town, name=f"村{n}党支部", code=f"TA0{n}", domain=Domain.VILLAGE) for n in (1, 2, 3)
    )
    o1, o2 = (make_org(organs, name=f"机关{n}党支部", code=f"JG0{n}", domain=Domain.ORGAN) for n in (1, 2))
    head = {"name": "堡垒指数（青海式）", "kind": "fortress", "domains": ["village", "organ"], "bonus_cap": "5",
            "lagging_below": "60"}  # fmt: skip

    # Parts for two domains (农村, 社区) while it also targets 机关: refused, organs would get 60 of 100.
    community = [(c + "-c", n, k, e, "community", s, m, w, p) for c, n, k, e, _d, s, m, w, p in VILLAGE]
    first = admin_add_scheme(client, head, COMMON + VILLAGE + community + NEGATIVE, QH_BANDS)
    page = admin_publish(client, first)
    assert "“机关”领域没有领域部分" in page and "“社区”领域有领域部分，但本体系不考核该领域" in page
    first.refresh_from_db()
    assert first.status == "draft"
    first.delete()
    qh = admin_add_scheme(client, head, COMMON + VILLAGE + ORGAN + NEGATIVE, QH_BANDS)
    assert "已发布" in admin_publish(client, qh)

    def income(org, got, target):
        CollectiveIncome.objects.create(organization=org, year=2023, income=D(got), target=D(target))

    # V1: 4/4 → 20 + 10; 4 满意 → 15; commitments 1/2 → 7.5; income 12/10 → 1.2 → 20; 12 months → 20;
    #     base 92.5; 市级 honor → +1; total 93.5 → 五星
    checklist(v1, 4)
    surveys(v1, ["satisfied"] * 4)
    commitments(v1, root, 1)
    income(v1, "12", "10")
    activities_in(v1, root, range(1, 13))
    honor(v1, root, "city")
    # V2: 3/4 → 15 + 7.5; 2 满意 1 基本 1 不满意 → 0.625 (not below 0.6) → 15 × 0.125/0.5 = 3.75;
    #     no commitments → 0; income 6/10 → 12; Jan–Sep (9 months, gap of 3) → 14.
    #     52.25 → 一星 (≥ 50) but 后进 (below 60)
    checklist(v2, 3)
    surveys(v2, ["satisfied"] * 2 + ["basic", "unsatisfied"])
    income(v2, "6", "10")
    activities_in(v2, root, range(1, 10))
    # V3: 4/4 → 30; 1 满意 1 基本 2 不满意 → 0.375 → 0 points and the veto (< 0.6): score kept;
    #     commitments 2/2 → 15; income 10/10 → 20; 12 months → 20.  85, vetoed → no star, 后进
    checklist(v3, 4)
    surveys(v3, ["satisfied", "basic", "unsatisfied", "unsatisfied"])
    commitments(v3, root, 2)
    income(v3, "10", "10")
    activities_in(v3, root, range(1, 13))
    # O1: 4/4 → 30; no survey → 0.8 → 9; commitments 2/2 → 15; duty 2 满意 → 20; Jan–Mar and
    #     Oct–Dec (6 months → 8 points, but Apr–Sep is 6 months without) → 清零: 0, vetoed, 后进
    checklist(o1, 4)
    commitments(o1, root, 2)
    duty(o1, root, ["satisfied"] * 2)
    activities_in(o1, root, [1, 2, 3, 10, 11, 12])
    # O2: 2/4 → 10 + 5; no survey → 9; no commitments → 0; duty 满意 + 基本 → 0.75 → 10;
    #     12 months → 20; base 54; 国家级 honor → +5; total 59 → 一星, 后进 (below 60)
    checklist(o2, 2)
    duty(o2, root, ["satisfied", "basic"])
    activities_in(o2, root, range(1, 13))
    honor(o2, root, "national")

    got = results(compute(root, chunk_size=source_scope))
    rows = [got[n] for n in ("村1党支部", "村2党支部", "村3党支部", "机关1党支部", "机关2党支部")]
    assert [r.base for r in rows] == [D("92.5"), D("52.25"), D("85"), D("82"), D("54")]
    assert [r.total for r in rows] == [D("93.5"), D("52.25"), D("85"), D("0"), D("59")]
    assert [r.stars for r in rows] == [5, 1, 0, 0, 1]
    assert [r.vetoed for r in rows] == [False, False, True, True, False]
    assert [r.lagging for r in rows] == [False, True, True, True, True]
    assert [r.grade_label for r in rows[2:4]] == ["一票否决", "一票否决"]
    # ranks: not vetoed by total (93.5, 59, 52.25), then the vetoed by total (85, 0)
    assert [r.rank_city for r in rows] == [1, 3, 4, 5, 2]
    fired = {line["code"] for r in rows for line in r.breakdown if line["vetoed"]}
    assert fired == {"low-sat", "no-life"}
    o1_life = next(line for line in rows[3].breakdown if line["code"] == "no-life")
    assert o1_life["raw"] == 6  # the longest run of months without organizational life


def test_a_threshold_veto_needs_a_value_and_a_streak_needs_a_monthly_source(db):
    from django.core.exceptions import ValidationError

    from assessments.models import Indicator

    s = h.make_scheme(publish=False)
    bad = Indicator(scheme=s, code="x", name="x", kind="veto", source="survey.satisfaction", mapping="flag",
                    condition_op="streak", condition_value=D("6"))  # fmt: skip
    with pytest.raises(ValidationError, match="按月来源"):
        bad.clean()
    bad.condition_op, bad.condition_value = "lt", None
    with pytest.raises(ValidationError, match="条件值"):
        bad.clean()


def test_an_honor_recorded_in_the_pilot_scores_in_the_default_scheme(db, small_city):
    """表彰奖励 of the default scheme reads the honors recorded in 试点推进: a 省级 honor in the
    quarter is 2 points (市级 1、省级 2、国家级 3), nothing typed a second time."""
    from assessments.defaults import seed_default_schemes

    seed_default_schemes(2023)
    shi = small_city.users["shi"]
    honor_on = date(2023, 8, 1)
    pilot.record_create(actor=shi, organization=small_city.a2,
                        obj=Honor(level="province", title="先进基层党组织", awarded_on=honor_on))  # fmt: skip
    run = compute(shi, period="2023Q3", kind="supervision")
    r = ScoreResult.objects.get(run=run, organization=small_city.a2)
    line = next(x for x in r.breakdown if x["code"] == "honor")
    assert (line["raw"], line["points"]) == (3, 2)


@pytest.mark.parametrize(("held", "points"), [(0, 0), (1, 4), (2, 7), (3, 10), (4, 10)])
def test_default_activity_steps_give_one_activity_a_quarter_its_points(db, small_city, held, points):
    """The default 组织活动开展 (docs: about one a month): a quarter 3 → 10, 2 → 7, 1 → 4, 0 → 0
    (``round(1.5)`` made the last step 2 and one activity scored nothing)."""
    from assessments.defaults import seed_default_schemes

    seed_default_schemes(2023)
    shi = small_city.users["shi"]
    for i in range(held):
        pilot.activity_record(actor=shi, organization=small_city.a2, kind="theme_day",
                              held_on=date(2023, 7 + i % 3, 5 + i), topic="主题党日")  # fmt: skip
    run = compute(shi, period="2023Q3", kind="supervision")
    r = ScoreResult.objects.get(run=run, organization=small_city.a2)
    line = next(x for x in r.breakdown if x["code"] == "activities-village")
    assert line["points"] == points


def test_recomputing_a_run_on_notice_starts_a_new_notice_period(db, small_city, client):
    h.make_scheme()
    shi = small_city.users["shi"]
    run = compute(shi, period="2023Q3", kind="supervision")
    services.run_start_notice(actor=shi, run=run)
    again = compute(shi, period="2023Q3", kind="supervision")
    assert again.status == "notice"  # never a draft that publishes at once
    assert again.notice_until == timezone.localdate() + timedelta(days=5)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="公示期至"):
        services.run_publish(actor=shi, run=again)
    client.force_login(shi)
    html = client.get(reverse("assessments:run_detail", args=[again.pk])).content.decode()
    until = again.notice_until.strftime("%Y-%m-%d")
    assert f"公示期至 {until}" in html
    assert 'type="submit" disabled' in html and f"{until} 期满后可发布" in html
    assert f"公示至 {until}" in client.get(reverse("assessments:runs")).content.decode()


def test_quarter_end_says_why_it_computed_nothing(db, caplog):
    from assessments.tasks import quarter_end, quarter_end_gaps

    with caplog.at_level("WARNING", logger="assessments.tasks"):
        assert quarter_end("2023-10-01") == []
    assert "2023 年没有已发布的“季度督办得分”指标体系" in caplog.text
    assert quarter_end_gaps(date(2023, 10, 1)) == [
        {
            "period": "2023Q3",
            "kind": "supervision",
            "reason": "2023 年没有已发布的“季度督办得分”指标体系，未计算。",
        }
    ]


def _grid_city(small_city):
    h.make_scheme()  # entered:honor and entered:veto
    return reverse("assessments:entry_grid", args=[small_city.town_a.pk])


def test_entry_grid_keeps_everything_typed_when_one_value_is_refused(db, small_city, client):
    c = small_city
    url = _grid_city(c)
    client.force_login(c.users["zhen"])
    services.entry_set(actor=c.users["zhen"], organization=c.a2, period="2023Q3", code="honor", value=1)
    data = {"kind": "supervision", "period": "2023Q3", f"v-{c.a1.pk}-honor": "2", f"v-{c.a2.pk}-honor": "2000",
            f"v-{c.a1.pk}-veto": "abc"}  # fmt: skip
    resp = client.post(url, data)
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "甲二村党支部 · 表彰：数值应在 0 到 1000 之间。" in html
    assert "甲一村党总支 · 一票否决：数值应为数字。" in html
    assert 'value="2000"' in html and 'value="abc"' in html and 'value="2"' in html
    # all or nothing: a1's valid 2 was not saved either, a2 kept its 1
    from assessments.models import AssessorEntry

    assert dict(AssessorEntry.objects.values_list("organization__code", "value")) == {"TA02": D("1")}
    data[f"v-{c.a2.pk}-honor"], data[f"v-{c.a1.pk}-veto"] = "3", "0"
    assert client.post(url, data).status_code == 302
    got = dict(AssessorEntry.objects.filter(code="honor").values_list("organization__code", "value"))
    assert got == {"TA01": D("2"), "TA02": D("3")}
    a2_entry = AssessorEntry.objects.get(organization=c.a2, code="honor")
    ev = AuditEvent.objects.filter(action="entry_set", object_id=str(a2_entry.pk)).order_by("id").last()
    assert ev.changes["value"] == ["1.00", "3"]


def test_entry_grid_makes_a_fixed_number_of_queries(db, small_city, client, django_assert_max_num_queries):
    c = small_city
    url = _grid_city(c)
    client.force_login(c.users["shi"])
    with django_assert_max_num_queries(16) as few:
        assert client.get(url, {"period": "2023Q3"}).status_code == 200
    for n in range(12):
        make_org(c.town_a, name=f"新村{n}党支部", code=f"TAX{n}", domain=Domain.VILLAGE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url, {"period": "2023Q3"}).content.decode()
    assert "新村11党支部" in html and 'aria-label="新村11党支部 · 表彰"' in html


def test_entry_grid_refuses_a_unit_secretary(db, small_city, client):
    client.force_login(small_city.users["cun"])
    url = reverse("assessments:entry_grid", args=[small_city.a1.pk])
    h.make_scheme()
    assert client.get(url, {"period": "2023Q3"}).status_code == 403
