"""Pages and downloads with personal data send ``Cache-Control: no-store`` (shared village phones)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from branches import nostore
from tests.members.helpers import add_member, row, xlsx


def _no_store(resp) -> bool:
    cc = resp.get("Cache-Control", "")
    return "no-store" in cc and "private" in cc


def test_member_pages_downloads_and_previews_are_not_stored(small_city, client):
    m = add_member(small_city.a1_branch, 1)
    client.force_login(small_city.users["cun"])
    year = 2026
    for url in (
        reverse("members:list"),
        reverse("members:detail", args=[m.pk]),
        reverse("members:edit", args=[m.pk]),
        reverse("members:create"),
        reverse("members:import"),
        reverse("members:import_template"),
        reverse("members:care", args=[small_city.a1.pk]) + f"?year={year}",
        reverse("members:pioneer_grid", args=[small_city.a1_branch.pk]),
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert _no_store(resp), (url, resp.get("Cache-Control"))
    client.force_login(small_city.users["zhen"])  # the roster export is the township's
    resp = client.get(reverse("members:export"))
    assert resp.status_code == 200 and _no_store(resp)
    client.force_login(small_city.users["cun"])
    up = xlsx([row(2, small_city.a1.code)])
    up.name = "花名册.xlsx"
    preview = client.post(reverse("members:import"), {"file": up})
    assert preview.status_code == 200 and "token" in preview.context and _no_store(preview)


def test_pages_without_personal_data_keep_normal_caching(small_city, client):
    client.force_login(small_city.users["cun"])
    resp = client.get(reverse("branches:org_search"))
    assert resp.status_code == 200
    assert "no-store" not in resp.get("Cache-Control", "")


def _names(resolver=None, ns=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _names(p, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}"


def test_every_listed_view_exists_and_pdfs_and_evidence_are_covered():
    names = set(_names())
    assert names >= nostore.NO_STORE_VIEWS, nostore.NO_STORE_VIEWS - names
    for must in (
        "reports:unit_report",
        "reports:summary_report",
        "pilot:evidence",
        "assessments:finding_file",
    ):
        assert must in nostore.NO_STORE_VIEWS
    assert all(n.split(":")[0] in nostore.NO_STORE_NAMESPACES for n in names if n.startswith("members:"))


@pytest.mark.parametrize("name", sorted(nostore.NO_STORE_VIEWS))
def test_the_middleware_marks_each_listed_view(rf, name):
    from django.http import HttpResponse
    from django.urls import ResolverMatch

    request = rf.get("/")
    app, _, url_name = name.partition(":")
    request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name=url_name, app_names=[app],
                                           namespaces=[app])  # fmt: skip
    resp = nostore.NoStoreMiddleware(lambda r: HttpResponse("pdf"))(request)
    assert _no_store(resp)
