"""Dashboards, exports and downloads: status, content, query counts, and refusals."""

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Domain, ExportLog
from tests.factories import make_org
from tests.reports.helpers import publish_annual


def _dash(client, org, year=2023):
    return client.get(reverse("reports:dashboard_org", args=[org.pk]), {"year": year})


def test_city_dashboard_shows_the_four_alls_with_svg_charts(client, small_city):
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    client.force_login(small_city.users["shi"])
    resp = _dash(client, small_city.city)
    assert resp.status_code == 200
    html = resp.content.decode()
    for s in (
        "全地域",
        "全领域",
        "全要素",
        "全功能",
        "甲镇党委",
        "乙镇党委",
        "组织覆盖",
        "政治功能",
        "星级分布",
        "<svg",
        'role="img"',
    ):
        assert s in html, s
    assert "<script>" not in html  # no inline script (CSP)


def test_township_dashboard_lists_only_its_units(client, small_city):
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    client.force_login(small_city.users["zhen"])
    html = _dash(client, small_city.town_a).content.decode()
    assert "甲一村党总支" in html
    assert "乙一村" not in html and "乙镇" not in html


def test_dashboard_of_another_subtree_is_404(client, small_city):
    client.force_login(small_city.users["cun"])
    assert _dash(client, small_city.b1).status_code == 404
    assert _dash(client, small_city.town_a).status_code == 404


def test_dashboard_query_count_does_not_grow_with_units(client, small_city, django_assert_max_num_queries):
    client.force_login(small_city.users["shi"])
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    _dash(client, small_city.city)  # warm caches (content types, sessions)
    cache.clear()  # the figures themselves are computed: the cold path is what must not grow
    with django_assert_max_num_queries(40) as small:
        assert _dash(client, small_city.city).status_code == 200
    n_small = len(small.captured_queries)
    for i in range(15):
        make_org(small_city.town_b, name=f"乙镇新村{i}", domain=Domain.VILLAGE)
    cache.clear()
    with django_assert_max_num_queries(n_small) as big:
        assert _dash(client, small_city.city).status_code == 200
    assert len(big.captured_queries) == n_small
    with django_assert_max_num_queries(n_small - 10):  # within the minute: from the cache
        html = _dash(client, small_city.city).content.decode()
    assert "数据统计于" in html


def test_dashboard_cache_is_kept_apart_per_viewer_scope(client, small_city):
    """The figures cached for the department's view of a township never answer for the township's
    own secretary (another scope: its own entry), nor let anyone past the 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    client.force_login(small_city.users["shi"])
    _dash(client, small_city.town_a)
    with CaptureQueriesContext(connection) as shi_warm:
        _dash(client, small_city.town_a)
    client.force_login(small_city.users["zhen"])
    assert _dash(client, small_city.city).status_code == 404
    with CaptureQueriesContext(connection) as zhen_first:
        html = _dash(client, small_city.town_a).content.decode()
    assert len(zhen_first.captured_queries) > len(shi_warm.captured_queries) + 10  # computed, not shi's
    assert "甲一村党总支" in html and "乙镇" not in html


def test_unit_report_download_is_a_pdf_for_its_own_unit(client, small_city):
    client.force_login(small_city.users["cun"])
    resp = client.get(reverse("reports:unit_report", args=[small_city.a1.pk]), {"year": 2023})
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert "attachment" in resp["Content-Disposition"]
    assert client.get(reverse("reports:unit_report", args=[small_city.b1.pk])).status_code == 404
    assert client.get(reverse("reports:unit_report", args=[small_city.a2.pk])).status_code == 404


def test_rankings_export_is_logged_and_formula_safe(client, small_city):
    from branches.services import organization_update

    organization_update(actor=None, org=small_city.a1, name='=HYPERLINK("http://x")村')
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    client.force_login(small_city.users["shi"])
    resp = client.get(reverse("reports:rankings_export", args=[small_city.city.pk]), {"year": 2023})
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("名次", "单位")
    names = [r[1] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")村' in names
    assert len(rows) == 4
    log = ExportLog.objects.get()
    assert log.rows == 3 and "考核排名" in log.what


def test_export_needs_the_export_permission_not_just_visibility(client, small_city):
    client.force_login(small_city.users["cun"])  # sees a1, has no can_export
    url = reverse("reports:dashboard_export", args=[small_city.a1.pk, "element"])
    assert client.get(url).status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("table", ["township", "domain", "element", "function", "units"])
def test_dashboard_tables_export_to_xlsx(client, small_city, table):
    publish_annual([small_city.a1, small_city.a2, small_city.b1])
    client.force_login(small_city.users["zhen"])
    resp = client.get(reverse("reports:dashboard_export", args=[small_city.town_a.pk, table]), {"year": 2023})
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) >= 2
    assert ExportLog.objects.filter(user=small_city.users["zhen"]).count() == 1


def test_city_level_links_are_shown_to_the_levels_that_use_them(client, small_city):
    """Report batches and weekly meetings are township and department work: a village secretary
    gets neither link (their own report is on their unit's page)."""
    c = small_city
    for role, shown in (("cun", False), ("zhen", True), ("shi", True)):
        client.force_login(c.users[role])
        html = client.get(reverse("pilot:checklist")).content.decode()
        assert (reverse("reports:batch_list") in html) is shown, role
        assert (reverse("pilot:meetings") in html) is shown, role
