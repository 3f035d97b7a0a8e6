"""Every role's pages in a phone (360 × 740) and on a desktop (1280 × 800): no horizontal
overflow, tap targets ≥ 44 × 44 px, card-table labels on one line, a desktop menu on one line,
and no critical or serious axe-core violation (tests/browser/walk.py). One demo city for all.

Layout does not depend on the database engine: the walk runs in the SQLite pass only."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.browser import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("shi", "zhen", "cun", "cun2", "ducha")


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2023")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_every_role_page_fits_a_phone_and_passes_axe(live_server, chromium, settings):
    if connection.vendor != "sqlite":
        pytest.skip("layout is the same on every engine: walked in the SQLite pass")
    settings.DEBUG = True  # the demo builder's development keys
    call_command("demo_city", "--members", "400", stdout=io.StringIO())
    User = get_user_model()
    problems, walked = [], {}
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        pages = walk.pages_for(client, limit=40)
        walked[role] = len(pages)
        for phone in (True, False):
            ctx = chromium.new_context(
                viewport={"width": 360, "height": 740} if phone else {"width": 1280, "height": 800},
                locale="zh-CN", is_mobile=phone, has_touch=phone,
            )  # fmt: skip
            page = ctx.new_page()
            page.set_default_timeout(15000)
            _login(page, live_server.url, role)
            for url in pages:
                problems += [f"{role} {'phone' if phone else 'desktop'} {p}" for p in walk.check(page, live_server.url, url, phone=phone)]  # fmt: skip
            ctx.close()
    assert all(n >= 15 for n in walked.values()), walked
    assert not problems, "\n".join(problems[:40])
