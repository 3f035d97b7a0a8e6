"""堡垒指数 (fortress index) of a 党支部 under the default scheme (assessments/defaults.py), worked by
hand from the branch's own rows for the year 2023.

Default fortress scheme, 100 base points, the same for every domain:
  life       组织生活 (pilot.activities) in the year: ≥ 12 → 25, ≥ 9 → 18, ≥ 6 → 12, ≥ 3 → 6, else 0
  standards  25 × items verified met / items of the domain's standard
  eid        15 × (e-ID rate − 0.5) / 0.5, clamped to 0…15
  pioneer    15 × (mean pioneer index − 60) / 30, clamped
  five_star  10 × (five-star share of rated members) / 0.3, clamped
  rectify    10 × rectification closed on time / due (none due → full)
  findings   −1 per weighted finding (轻微 1 · 一般 2 · 严重 3), overdue −2 each; honor + entered
  stars      五星 ≥ 90 with an innovation project · 四星 ≥ 80 · 三星 ≥ 70 · 二星 ≥ 60 · 一星 ≥ 50
"""

from datetime import date
from decimal import Decimal

import pytest

from assessments import scoring, services
from assessments.defaults import seed_default_schemes
from assessments.models import ScoreResult
from branches.models import Organization
from members.models import Member, PioneerScheme, PioneerScore
from members.resident_id import make
from pilot import services as pilot_services
from tests.assessments import helpers as h

D = Decimal


def _member(org, i, *, eid: bool, total: int, stars: int, scheme):
    born = date(1960, 1, 1 + i)
    m = Member.objects.create(name=f"党员{i}", gender="M", resident_id=make("110105", born, 10 + i, True), birth_date=born,
                              joined_on=date(1980, 7, 1), organization=org, eid_authenticated=eid)  # fmt: skip
    PioneerScore.objects.create(member=m, scheme=scheme, year=2023, total=total, stars=stars)
    return m


@pytest.fixture
def fortress_city(small_city):
    """甲一村第一党支部 (a branch inside the 党总支 甲一村) with a year of its own rows."""
    c = small_city
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
    items = h.village_standard(n=4)
    h.self_check_and_verify(br, items, 3, secretary=cun, reviewer=zhen)
    # members: 4 current, 3 e-ID authenticated; pioneer 95 ★5, 85 ★4, 80 ★4, 70 ★3
    ps = PioneerScheme.objects.create(year=2023, name="先锋指数")
    for i, (eid, total, stars) in enumerate([(True, 95, 5), (True, 85, 4), (True, 80, 4), (False, 70, 3)]):
        _member(br, i, eid=eid, total=total, stars=stars, scheme=ps)
    # one 一般 finding about the branch, deadline 2023-08-31, never rectified
    h.finding(br, actor=shi, severity="general")
    # a city-level honor for the year: +2
    services.entry_set(actor=shi, organization=br, period="2023", code="honor", value=2)
    return c


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
