"""Long lists page with a count ("共 55 条，第 1–50 条"), search and filters, keep the filters in the
page links, cut nothing silently, and make the same number of queries for 3 rows or 55."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import selectors as assessments_selectors
from pilot import services
from pilot.models import ActivityKind
from tests.assessments.helpers import finding


def _activities(org, actor, n, start=0, kind=ActivityKind.THEME_DAY, topic="主题党日"):
    for i in range(start, start + n):
        services.activity_record(actor=actor, organization=org, kind=kind, held_on=date(2024, 1 + i % 12, 1 + i % 28),
                                 topic=f"{topic}{i:03d}")  # fmt: skip


def _queries(client, url, query=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, query or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_activities_page_with_a_count_and_keep_the_filters(small_city, client):
    c = small_city
    cun = c.users["cun"]
    _activities(c.a1, cun, 52)
    _activities(c.a1, cun, 3, start=52, kind=ActivityKind.PARTY_LECTURE, topic="专题党课")
    client.force_login(c.users["zhen"])
    url = reverse("pilot:activities")
    body = client.get(url).content.decode()
    assert "共 55 条，第 1–50 条" in body and "第 1 / 2 页" in body
    body = client.get(url, {"page": "2"}).content.decode()
    assert "共 55 条，第 51–55 条" in body
    assert body.count("<tr>") - 1 == 5  # the header row and five activities
    # search by topic and filter by type: the three lectures, and the links keep both
    body = client.get(url, {"q": "专题", "kind": "party_lecture"}).content.decode()
    assert "共 3 条，第 1–3 条" in body and "专题党课052" in body and "主题党日000" not in body
    body = client.get(url, {"kind": "theme_day"}).content.decode()
    assert "共 52 条" in body and 'href="?kind=theme_day&amp;page=2"' in body
    # a quarter: the activities held in January to March 2024 (months 1 + i % 12 ≤ 3)
    expected = sum(1 for i in range(55) if 1 + i % 12 <= 3)
    assert f"共 {expected} 条" in client.get(url, {"period": "2024Q1"}).content.decode()
    assert "2024年第一季度" in body and "2024年上半年" in body and "2024年度" in body


@pytest.mark.django_db
def test_activities_list_makes_the_same_queries_for_3_or_55_rows(small_city, client):
    c = small_city
    client.force_login(c.users["zhen"])
    url = reverse("pilot:activities")
    _activities(c.a1, c.users["cun"], 3)
    few = _queries(client, url)
    _activities(c.a1, c.users["cun"], 52, start=3)
    assert _queries(client, url) == few
    assert _queries(client, url, {"page": "2"}) == few


@pytest.mark.django_db
def test_pocketbook_pages_and_searches(small_city, client):
    c = small_city
    for i in range(53):
        services.commitment_add(
            actor=c.users["cun"], organization=c.a1, year=2024, content=f"承诺事项{i:02d}"
        )
    services.commitment_add(actor=c.users["cun"], organization=c.a1, year=2024, content="修缮村级活动场所")
    client.force_login(c.users["zhen"])
    url = reverse("pilot:pocketbook")
    few = _queries(client, url, {"year": "2024"})
    body = client.get(url, {"year": "2024"}).content.decode()
    assert "共 54 条，第 1–50 条" in body and "2024年度" in body
    assert "共 1 条" in client.get(url, {"year": "2024", "q": "活动场所"}).content.decode()
    assert _queries(client, url, {"year": "2024", "page": "2"}) == few


@pytest.mark.django_db
def test_findings_are_paged_not_cut_and_the_report_counts_them_all(small_city, client):
    c = small_city
    for _ in range(53):
        finding(c.a1, actor=c.users["shi"])
    client.force_login(c.users["zhen"])
    url = reverse("assessments:findings")
    few = _queries(client, url)
    body = client.get(url).content.decode()
    assert "共 53 条，第 1–50 条" in body
    assert (
        "共 53 条，第 51–53 条" in client.get(url, {"page": "9"}).content.decode()
    )  # past the end: the last page
    assert _queries(client, url, {"page": "2"}) == few
    from reports import selectors as report_selectors

    rows = report_selectors.findings(user=c.users["zhen"], org=c.town_a, year=2023)
    assert rows["total"] == 53 and rows["closed"] == 0 and not rows["cut"]
    assert len(list(assessments_selectors.findings_query(user=c.users["zhen"], period="2023Q3"))) == 53
