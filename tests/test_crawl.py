"""Every demo account follows the links it is shown: none may fail, and none may lead to a
page the account is refused (a link nobody can follow is a broken promise on a phone)."""

import collections
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

SKIP = ("/static/", "/admin/", "/accounts/logout", "/i18n/")
DOWNLOADS = (".pdf", ".xlsx", ".zip", "/download", "/export", "/evidence/", "/file")


def crawl(client, limit):
    seen, queue, problems = set(), collections.deque(["/"]), []
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        if resp.status_code not in (200, 301, 302):
            problems.append((url, resp.status_code))
            continue
        if resp.status_code == 200 and "text/html" in resp.get("Content-Type", ""):
            for href in re.findall(r'href="(/[^"#]*)"', resp.content.decode()):
                href = href.replace("&amp;", "&")
                same_view = sum(1 for s in seen if s.split("?")[0] == href.split("?")[0])
                if (
                    href.startswith(SKIP)
                    or href in seen
                    or any(d in href for d in DOWNLOADS)
                    or same_view > 2
                ):
                    continue
                queue.append(href)
    return seen, problems


@pytest.mark.django_db
def test_demo_accounts_only_see_links_they_can_open(settings, client):
    settings.DEBUG = True
    call_command("demo_city", "--members", "800", stdout=io.StringIO())
    for username in ("shi", "zhen", "cun", "cun2", "ducha"):
        client.force_login(get_user_model().objects.get(username=username))
        seen, problems = crawl(client, limit=120)
        assert len(seen) > 10, f"{username} reached only {len(seen)} pages"
        assert not problems, f"{username}: {problems}"
