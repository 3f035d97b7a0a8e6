"""我的得分 on the home page, 考核得分 straight to the unit's own page, ranks that cannot be misread."""

import pytest
from django.urls import reverse

from tests.assessments import helpers as h

from .test_views import JUL, _publish


@pytest.fixture
def published(small_city):
    c = small_city
    h.make_scheme()
    h.checklist(c.a1, month=JUL, accepted=3, total=4)
    h.checklist(c.b1, month=JUL, accepted=1, total=4)
    h.finding(c.a1, actor=c.users["shi"])
    _publish("2023Q2")
    _publish()
    return c


def test_my_score_card_shows_the_latest_published_score_grade_ranks_and_why(published, client):
    c = published
    client.force_login(c.users["cun2"])
    html = client.get(reverse("branches:home")).content.decode()
    # 乙一村 2023Q3: completion 40 × 1/4 = 10 + satisfaction (no survey: default 0.8 on 0.5–1 → 0.6 × 20 = 12)
    # → 22.00 (Q2: completion 0 + 12 = 12, so +10); below 70 → 后进, no star.
    # City and village domain: 甲一村 38 (30 + 12 − 4), 乙一村 22, 甲二村 12 → 乙一村 second in both;
    # first of its own township (the only village in 乙镇).
    assert "我的得分" in html and "22.00" in html and "2023年第3季度总分" in html and "后进" in html
    assert "乡镇内第 1 名 / 领域内第 2 名 / 全市第 2 名" in html
    assert "未定星" in html  # no 堡垒指数 published: the stars say so, not "0 星"
    assert "比上季度（2023Q2）上升 10 分，主要来自：任务完成率 +10。" in html
    assert f'href="{reverse("assessments:unit_result", args=[c.b1.pk])}?period=2023Q3"' in html


def test_no_score_card_for_the_level_above_or_the_inspector(published, client):
    for who in ("zhen", "ducha", "shi"):
        client.force_login(published.users[who])
        assert "我的得分" not in client.get(reverse("branches:home")).content.decode(), who


def test_the_score_menu_goes_straight_to_the_units_own_page(published, client):
    c = published
    client.force_login(c.users["cun"])
    home = client.get(reverse("branches:home")).content.decode()
    own = reverse("assessments:unit_result", args=[c.a1.pk])
    assert f'href="{own}"' in home  # the 考核得分 menu entry
    page = client.get(own, {"period": "2023Q3"}).content.decode()
    assert "领域内第 1 名 / 全市第 1 名" in page and "请在组织页面查看" not in page
    # The index itself links the unit's page instead of telling the secretary to look elsewhere.
    index = client.get(reverse("assessments:index")).content.decode()
    assert "请在组织页面查看" not in index and f'href="{own}"' in index
    client.force_login(c.users["zhen"])  # the level above keeps the rankings page
    assert f'href="{reverse("assessments:index")}"' in client.get(reverse("branches:home")).content.decode()


def test_the_stars_are_those_of_the_latest_published_fortress_index(published, client):
    from assessments.models import RunStatus, Scheme, ScoreResult, ScoreRun

    c = published
    scheme = Scheme.objects.get()
    for year, stars, label, total in (("2022", 3, "三星", "75.00"), ("2023", 4, "四星", "86.50")):
        run = ScoreRun.objects.create(period=year, kind="fortress", scheme=scheme, status=RunStatus.PUBLISHED)
        ScoreResult.objects.create(run=run, organization=c.b1, period=year, kind="fortress", scheme_version=1,
                                   base=total, total=total, grade=label, grade_label=label, stars=stars)  # fmt: skip
    client.force_login(c.users["cun2"])
    html = client.get(reverse("branches:home")).content.decode()
    card = html[html.index("我的得分") :]
    assert "★★★★</span> 四星" in card and "2023年度堡垒指数 86.50" in card and "三星" not in card
