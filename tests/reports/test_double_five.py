"""双指数 / 双五星 where the figures are read: the year-end PDF, the dashboards and the homes.

The small city for 2023 under the default fortress scheme (tests/assessments/test_fortress.py works
甲一村第一党支部 out by hand: 61.83, 二星). Here 甲二村党支部 (a village that is itself a 党支部) gets a
full year too, worked by hand:
  life      12 meetings → 25          standards 4 of 4 → 25        e-ID 2 of 2 → 15
  pioneer   mean (90 + 92) / 2 = 91 ≥ 90 → 15                     five-star 2 of 2 = 1.0 ≥ 0.3 → 10
  rectify   none due → 10
  base 100, no bonus or deduction → 100, but 五星 needs an innovation project → 四星 (≥ 80).
The other 党支部 — 甲一村第二党支部 and 乙一村党支部 — have no rows: rectification 10 → 10 points →
后进, rated below one star. 甲一村第三党支部 is set up after the run: 未定星.

Expected distribution in the city (by hand):
  党支部: 四星 1 (甲二村), 二星 1 (甲一村第一), 未达一星 2, 未定星 1; 五星支部 0 of 4 rated = 0.0 %
  党员:   甲一村第一 ★5 ★4 ★4 ★3 and 甲二村 ★5 ★5 → 五星 3, 四星 2, 三星 1; 6 rated of 6 → 五星 50.0 %
"""

import shutil
import subprocess
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from assessments import scoring
from assessments import services as assessment_services
from assessments.models import ScoreRun
from members.models import PioneerScheme
from pilot import services as pilot_services
from reports import services
from reports.services import SystemUser
from tests.assessments import helpers as h
from tests.factories import make_org

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils 未安装")


def _text(data: bytes, tmp_path) -> str:
    p = tmp_path / "r.pdf"
    p.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def stars_city(small_city):
    c = small_city
    h.fortress_rows(c)
    zhen = c.users["zhen"]
    for m in range(1, 13):
        pilot_services.activity_record(actor=zhen, organization=c.a2, kind="theme_day",
                                       held_on=date(2023, m, 10), topic=f"{m}月主题党日")  # fmt: skip
    from assessments.models import StandardItem

    items = list(StandardItem.objects.filter(standard__year=2023, standard__domain="village"))
    h.self_check_and_verify(c.a2, items, 4, secretary=zhen, reviewer=c.users["shi"])
    ps = PioneerScheme.objects.get(year=2023)
    h.pioneer_member(c.a2, 10, eid=True, total=90, stars=5, scheme=ps)
    h.pioneer_member(c.a2, 11, eid=True, total=92, stars=5, scheme=ps)
    run = assessment_services.run_start(actor=None, period="2023", kind="fortress", enqueue=False)
    scoring.run_compute(run.pk)
    assessment_services.run_publish(actor=None, run=ScoreRun.objects.get(pk=run.pk))
    make_org(c.a1, name="甲一村第三党支部", level="branch", code="TA0103", domain="village")
    return c


@needs_poppler
def test_a_village_pdf_shows_its_fortress_index_and_star_never_0_stars(stars_city, tmp_path):
    c = stars_city
    text = _text(services.unit_report_pdf(user=SystemUser(), org=c.a2, year=2023), tmp_path)
    assert "堡垒指数与星级" in text
    assert "100.00" in text and "四星" in text  # by hand: 100 points, no innovation project → 四星
    assert "0星" not in text and "0 星" not in text
    assert "五星党员 2 名，占参评党员 2 名的 100.0%" in text


@needs_poppler
def test_a_general_branch_village_pdf_lists_its_branches_stars_and_the_unrated(stars_city, tmp_path):
    c = stars_city
    text = _text(services.unit_report_pdf(user=SystemUser(), org=c.a1, year=2023), tmp_path)
    assert "甲一村第一党支部" in text and "61.83" in text and "二星" in text
    assert "甲一村第二党支部" in text and "未达一星（后进）" in text
    assert "未定星" in text and "甲一村第三党支部" in text
    assert "0星" not in text and "0 星" not in text


def test_the_village_page_shows_its_fortress_index_and_star(stars_city, client):
    c = stars_city
    client.force_login(c.users["zhen"])
    html = client.get(reverse("branches:org_detail", args=[c.a2.pk])).content.decode()
    assert "堡垒指数" in html and "100.00" in html and "四星" in html
    assert "0星" not in html


def test_the_city_dashboard_shows_the_star_distribution_of_branches_and_members(stars_city, client):
    c = stars_city
    client.force_login(c.users["shi"])
    html = client.get(reverse("reports:dashboard_org", args=[c.city.pk]), {"year": 2023}).content.decode()
    assert "双五星：五星支部与五星党员" in html
    assert "2023年度党支部堡垒指数星级分布" in html and "2023年度党员先锋指数星级分布" in html
    # the charts' descriptions carry every count (by hand, see the module docstring)
    assert "五星：0个；四星：1个；三星：0个；二星：1个；一星：0个；未达一星：2个；未定星：1个" in html
    assert "五星：3名；四星：2名；三星：1名；二星：0名；一星：0名" in html
    assert "未定星：0名" not in html  # every member was rated: no 未定星 bar
    assert "五星支部占比（0 / 已定星 4 个）" in html and "0.0%" in html
    assert "五星党员占比（3 / 参评 6 名）" in html and "50.0%" in html


def test_a_township_dashboard_and_home_show_only_its_own_branches(stars_city, client):
    c = stars_city
    client.force_login(c.users["zhen"])
    html = client.get(reverse("reports:dashboard_org", args=[c.town_a.pk]), {"year": 2023}).content.decode()
    # 乙一村党支部 (another township) is not counted: 四星 1, 二星 1, 未达一星 1, 未定星 1
    assert "五星：0个；四星：1个；三星：0个；二星：1个；一星：0个；未达一星：1个；未定星：1个" in html
    home = client.get(reverse("branches:home")).content.decode()
    assert "双五星" in home and "未达一星：1个" in home and "<svg" in home


def test_the_department_home_shows_the_distribution_in_fixed_queries(
    stars_city, client, django_assert_max_num_queries
):
    c = stars_city
    client.force_login(c.users["shi"])
    url = reverse("branches:home")
    client.get(url)  # warm the per-process caches (labels, policy)
    cache.clear()  # the home's 双五星 is a roll-up kept up to a minute: measure it computed
    with django_assert_max_num_queries(60) as before:
        html = client.get(url).content.decode()
    assert "2023年度党支部堡垒指数星级分布" in html
    for i in range(20):
        make_org(c.town_b, name=f"新村{i}党支部", code=f"TBX{i:02d}", domain="village")
    cache.clear()  # a minute later
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = client.get(url).content.decode()
    assert "未定星：21个" in html  # 20 new 党支部 + 甲一村第三党支部


def test_another_townships_village_report_and_fortress_are_404(stars_city, client):
    c = stars_city
    client.force_login(c.users["cun2"])
    assert client.get(reverse("reports:unit_report", args=[c.a2.pk]), {"year": 2023}).status_code == 404
    assert client.get(reverse("assessments:fortress", args=[c.a2.pk])).status_code == 404
    assert client.get(reverse("reports:dashboard_org", args=[c.town_a.pk])).status_code == 404


def test_the_city_comparison_lists_each_townships_branch_stars(stars_city, client):
    c = stars_city
    client.force_login(c.users["shi"])
    resp = client.get(reverse("assessments:city"), {"period": "2023Q3"})
    html = resp.content.decode()
    assert "双五星：各乡镇（街道）党支部堡垒指数（2023年度）" in html
    # 甲镇: 甲二村 100 (四星), 甲一村第一 61.83 (二星), 甲一村第二 10 (后进) → 3 rated, average 57.28
    assert "57.28" in html
    # 乙镇: 乙一村 10 → 1 rated, 后进
    assert html.count('data-label="后进" class="num">1<') == 2
