"""堡垒指数 (fortress index) of a 党支部 under the default scheme (assessments/defaults.py), worked by
hand from the branch's own rows for the year 2023.

Default fortress scheme, 100 base points, the same for every domain:
  life       组织生活 (pilot.activities) in the year: ≥ 12 → 25, ≥ 9 → 18, ≥ 6 → 12, ≥ 3 → 6, else 0
  standards  25 × items verified met / items of the domain's standard
  eid        15 × (e-ID rate − 0.5) / 0.5, clamped to 0…15
  pioneer    15 × (mean pioneer index − 60) / 30, clamped
  five_star  10 × (five-star share of rated members) / 0.3, clamped
  rectify    10 × rectification closed on time / due (none due → full)
  findings   −1 per weighted finding (轻微 1 · 一般 2 · 严重 3), overdue −2 each; honor: the highest recorded in 试点推进 (市级 1、省级 2、国家级 3)
  stars      五星 ≥ 90 with an innovation project · 四星 ≥ 80 · 三星 ≥ 70 · 二星 ≥ 60 · 一星 ≥ 50
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import scoring, services
from assessments.models import ScoreResult, ScoreRun
from branches.models import Organization
from members.models import Member
from tests.assessments import helpers as h
from tests.factories import make_org

D = Decimal


@pytest.fixture
def fortress_city(small_city):
    """甲一村第一党支部 (a branch inside the 党总支 甲一村) with a year of its own rows."""
    h.fortress_rows(small_city)
    return small_city


def _fortress(period="2023"):
    run = services.run_start(actor=None, period=period, kind="fortress", enqueue=False)
    return scoring.run_compute(run.pk)


def test_fortress_index_of_a_branch_is_computed_from_its_own_rows(fortress_city):
    c = fortress_city
    run = _fortress()
    r = ScoreResult.objects.get(run=run, organization=c.a1_branch)
    pts = {line["code"]: D(str(line["points"])) for line in r.breakdown}
    assert pts["life"] == D("18")  # 10 meetings: ≥ 9 → 18 (the 2022 one is another year)
    assert pts["standards"] == D("18.75")  # 25 × 3/4
    assert pts["eid"] == D("7.5")  # rate 3/4 = 0.75 → 15 × 0.25 / 0.5
    assert pts["pioneer"] == D("11.25")  # mean (95+85+80+70)/4 = 82.5 → 15 × 22.5 / 30
    assert pts["five_star"] == D("8.33")  # 1 of 4 = 0.25 → 10 × 0.25 / 0.3 = 8.333
    assert pts["rectify"] == D("0")  # 1 due, 0 closed on time
    assert pts["findings"] == D("-2")  # one 一般 = 2 weighted × 1
    assert pts["overdue"] == D("-2")  # one overdue × 2
    assert pts["honor"] == D("2")
    # base 18 + 18.75 + 7.5 + 11.25 + 8.33 + 0 = 63.83; + 2 − 4 = 61.83 → 二星 (≥ 60)
    assert r.base == D("63.83")
    assert r.total == D("61.83")
    assert (r.stars, r.grade_label, r.lagging) == (2, "二星", False)
    # the 党总支 itself is not a 党支部: no fortress index of its own
    assert not ScoreResult.objects.filter(run=run, organization=c.a1).exists()


@pytest.mark.usefixtures("fortress_city")
def test_a_branch_with_no_rows_of_its_own_is_lagging():
    """甲一村第二党支部 has nothing recorded: life 0, standards 0, e-ID 0, pioneer 0, five-star 0,
    rectification none due → 10. Base 10 → below 一星 (50) → 后进."""
    run = _fortress()
    second = Organization.objects.get(code="TA0102")
    r = ScoreResult.objects.get(run=run, organization=second)
    assert r.total == D("10")
    assert r.lagging and r.stars == 0


def test_the_pioneer_index_source_averages_current_members_rated_that_year(fortress_city):
    from assessments.sources import SourceContext, get_source

    c = fortress_city
    gone = Member.objects.filter(organization=c.a1_branch).first()
    Member.objects.filter(pk=gone.pk).update(status="transferred")  # 95 leaves the branch's mean
    ctx = SourceContext(
        org_ids=None, start=date(2023, 1, 1), end=date(2023, 12, 31), period="2023", year=2023, domains={}
    )
    src = get_source("members.pioneer_index")
    assert src.fn(ctx) == {c.a1_branch.pk: (235.0, 3)}  # 85 + 80 + 70
    assert src.percent is False


# --- pages: the fortress index where people read it ------------------------------------------------


def _publish(period="2023"):
    run = _fortress(period)
    services.run_publish(actor=None, run=ScoreRun.objects.get(pk=run.pk))
    return run


@pytest.fixture
def published_fortress(fortress_city):
    _publish()
    return fortress_city


def test_the_branch_page_shows_its_index_star_and_the_source_of_every_point(published_fortress, client):
    c = published_fortress
    client.force_login(c.users["cun"])
    html = client.get(reverse("assessments:fortress", args=[c.a1_branch.pk])).content.decode()
    assert "61.83" in html and "二星" in html
    assert "组织生活（主题党日、三会一课）" in html and "18 / 25" in html
    assert "82.5" in html and "8250%" not in html  # the pioneer mean is a number, not a rate
    assert "0星" not in html


def test_a_general_branch_page_lists_its_branches_and_which_are_not_rated(published_fortress, client):
    c = published_fortress
    make_org(c.a1, name="甲一村第三党支部", level="branch", code="TA0103", domain="village")  # after the run
    client.force_login(c.users["cun"])
    html = client.get(reverse("branches:org_detail", args=[c.a1.pk])).content.decode()
    assert "甲一村第一党支部" in html and "61.83" in html
    assert "未定星" in html and "甲一村第三党支部" in html and "未参加2023年度堡垒指数评定" in html
    assert "0星" not in html


def test_the_unit_secretary_home_card_shows_the_fortress_index(published_fortress, client):
    c = published_fortress
    client.force_login(c.users["cun2"])  # 乙一村党支部 is itself a 党支部
    html = client.get(reverse("branches:home")).content.decode()
    assert "堡垒指数" in html and "乙一村党支部" in html
    r = ScoreResult.objects.get(organization=c.b1, kind="fortress")
    assert str(r.total) in html


def test_another_townships_branch_is_404(published_fortress, client):
    c = published_fortress
    client.force_login(c.users["cun2"])
    assert client.get(reverse("assessments:fortress", args=[c.a1_branch.pk])).status_code == 404
    assert client.get(reverse("assessments:plan", args=[c.a1_branch.pk])).status_code == 404
    client.force_login(c.users["zhen"])
    assert client.get(reverse("assessments:fortress", args=[c.b1.pk])).status_code == 404


def test_ranking_by_fortress_index_is_paged_and_its_queries_do_not_grow(
    published_fortress, client, django_assert_max_num_queries
):
    c = published_fortress
    client.force_login(c.users["shi"])
    url = reverse("assessments:ranking", args=[c.city.pk])
    with django_assert_max_num_queries(
        17
    ) as q1:  # 17: the menu's unread count, the 考核期 picker, the publication key
        html = client.get(url, {"kind": "fortress"}).content.decode()
    assert "甲一村第一党支部" in html and "二星" in html and "后进党支部" in html
    for i in range(120):
        make_org(c.town_a, name=f"新增村{i}党支部", code=f"TAX{i:03d}", domain="village")
    ScoreRun.objects.filter(kind="fortress").update(status="superseded")
    _publish()
    with django_assert_max_num_queries(len(q1.captured_queries)):
        html = client.get(url, {"kind": "fortress"}).content.decode()
    assert "第 1 / 2 页" in html  # 4 + 120 branches, 100 a page
    html2 = client.get(url, {"kind": "fortress", "page": 2}).content.decode()
    assert html2.count("/fortress/?year=2023") >= 24


def test_a_lagging_branch_gets_a_rectification_plan_shown_on_the_lagging_list(published_fortress, client):
    from assessments.models import RectificationPlan
    from branches.models import AuditEvent

    c = published_fortress
    second = Organization.objects.get(code="TA0102")  # 后进 (10 points)
    client.force_login(c.users["cun"])
    url = reverse("assessments:plan", args=[second.pk]) + "?year=2023"
    bad = client.post(
        url, {"year": "2023", "plan": "每月开展主题党日", "responsible": "王书记", "deadline": "明年"}
    )
    assert bad.status_code == 400 and "完成时限请填写日期" in bad.content.decode()
    assert "每月开展主题党日" in bad.content.decode()  # what was typed is kept
    ok = client.post(url, {"year": "2023", "plan": "每月开展主题党日，补齐三会一课记录", "responsible": "王书记",
                           "deadline": "2024-06-30", "progress": "40", "progress_note": "已召开 2 次"})  # fmt: skip
    assert ok.status_code == 302
    rp = RectificationPlan.objects.get(organization=second, year=2023)
    assert (rp.responsible, rp.progress) == ("王书记", 40)
    assert AuditEvent.objects.filter(action="rectification_plan_create", object_id=str(rp.pk)).exists()
    client.force_login(c.users["zhen"])  # the township updates the progress
    client.post(
        url,
        {
            "year": "2023",
            "plan": rp.plan,
            "responsible": "王书记",
            "deadline": "2024-06-30",
            "progress": "80",
        },
    )
    ev = AuditEvent.objects.get(action="rectification_plan_update", object_id=str(rp.pk))
    assert ev.changes["progress"] == [40, 80] and ev.actor == c.users["zhen"]
    html = client.get(
        reverse("assessments:ranking", args=[c.town_a.pk]), {"kind": "fortress"}
    ).content.decode()
    assert "甲一村第二党支部" in html and "王书记" in html and "2024-06-30" in html and "80%" in html
    client.force_login(c.users["ducha"])  # an inspector sees nothing of 甲一村 (another unit)
    assert (
        client.post(
            url, {"year": "2023", "plan": "x", "responsible": "x", "deadline": "2024-01-01"}
        ).status_code
        == 404
    )
