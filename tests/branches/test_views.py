from datetime import date, timedelta

import pytest
from django.urls import reverse

from branches.models import Level
from branches.services import organization_update
from members.models import Member
from members.resident_id import make
from tests.factories import make_org


def add_members(org, n, start=0):
    for i in range(n):
        rid = make("410102", date(1980, 1, 1) + timedelta(days=start + i), start + i, i % 2 == 0)
        Member.objects.create(name=f"党员{start + i}", gender="M", resident_id=rid, birth_date=date(1980, 1, 1),
                              joined_on=date(2005, 7, 1), organization=org)  # fmt: skip


def test_login_page_is_chinese(client):
    resp = client.get(reverse("login"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "登录" in body and 'lang="zh-hans"' in body
    assert "Content-Security-Policy" in resp.headers
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_anonymous_home_redirects_to_login(client):
    resp = client.get(reverse("branches:home"))
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_township_home_lists_own_units_with_counts_and_not_other_township(small_city, client):
    add_members(small_city.a1_branch, 3)
    add_members(small_city.b1, 2, start=100)
    client.force_login(small_city.users["zhen"])
    body = client.get(reverse("branches:home")).content.decode()
    assert "甲一村党总支" in body and "甲二村党支部" in body
    assert "乙一村党支部" not in body and "乙镇党委" not in body
    assert "<b>3</b>" in body  # the township's member count rolls up from the branch


def test_home_counts_are_cached_and_follow_member_writes(small_city, client):
    from django.core.cache import cache

    from branches.home_counts import VERSION_KEY
    from branches.selectors import my_organizations

    add_members(small_city.a1_branch, 3)
    zhen = small_city.users["zhen"]
    client.force_login(zhen)
    home = reverse("branches:home")
    assert "<b>3</b>" in client.get(home).content.decode()
    roots = "|".join(o.path for o in my_organizations(user=zhen))
    key = f"branches:home-counts:{cache.get(VERSION_KEY) or '0'}:{roots}"
    assert cache.get(key) is not None  # kept for the next visit
    add_members(small_city.a1_branch, 2, start=50)  # two members saved: counted again

    def members():
        return client.get(home).context["overview"][0].counts.members

    assert members() == 5
    Member.objects.filter(organization=small_city.a1_branch).first().delete()
    assert members() == 4


def test_home_query_count_does_not_grow_with_data(small_city, client, django_assert_max_num_queries):
    client.force_login(small_city.users["shi"])
    with django_assert_max_num_queries(40) as ctx:  # every app adds its panels; the bound is loose
        client.get(reverse("branches:home"))
    base = len(ctx.captured_queries)
    for i in range(6):
        t = make_org(small_city.city, level=Level.TOWNSHIP)
        for _ in range(3):
            v = make_org(t)
            add_members(v, 2, start=1000 + i * 10 + _ * 3)
    with django_assert_max_num_queries(base):
        resp = client.get(reverse("branches:home"))
    assert resp.status_code == 200


def test_election_reminder_shows_for_unit_and_level_above_only(small_city, client):
    today = date.today()
    organization_update(
        actor=None,
        org=small_city.a2,
        last_election_on=today.replace(year=today.year - 5) + timedelta(days=20),
    )
    client.force_login(small_city.users["zhen"])
    assert "换届提醒" in client.get(reverse("branches:home")).content.decode()
    client.force_login(small_city.users["cun2"])
    assert "换届提醒" not in client.get(reverse("branches:home")).content.decode()


def test_org_page_out_of_scope_is_404(small_city, client):
    client.force_login(small_city.users["cun"])
    assert client.get(reverse("branches:org_detail", args=[small_city.b1.pk])).status_code == 404
    resp = client.get(reverse("branches:org_detail", args=[small_city.a1.pk]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "甲一村第一党支部" in body
    # The township above is outside cun's scope: its name may show, but no link leads there.
    assert reverse("branches:org_detail", args=[small_city.town_a.pk]) not in body


def test_org_search_is_scoped(small_city, client):
    client.force_login(small_city.users["cun2"])
    body = client.get(reverse("branches:org_search"), {"q": "村"}).content.decode()
    assert "乙一村党支部" in body and "甲一村" not in body


@pytest.mark.parametrize("attempts", [5])
def test_lockout_is_by_username_and_address_together(db, client, attempts):
    from tests.factories import UserFactory

    UserFactory(username="cunx")
    UserFactory(username="cuny")
    url = reverse("login")
    for _ in range(attempts):
        client.post(url, {"username": "cunx", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    locked = client.post(url, {"username": "cunx", "password": "demo-pass-2023"}, REMOTE_ADDR="10.1.1.1")
    assert locked.status_code == 429 and "暂时锁定" in locked.content.decode()
    # Same carrier address, another village secretary: not locked.
    ok = client.post(url, {"username": "cuny", "password": "demo-pass-2023"}, REMOTE_ADDR="10.1.1.1")
    assert ok.status_code == 302
    # Same username from another address: not locked either.
    client.logout()
    ok2 = client.post(url, {"username": "cunx", "password": "demo-pass-2023"}, REMOTE_ADDR="10.9.9.9")
    assert ok2.status_code == 302


def test_session_expires_after_idle_period(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_admin_is_chinese_and_searches_orgs(small_city, client):
    from django.contrib.auth.models import Permission

    shi = small_city.users["shi"]
    shi.is_staff = True
    shi.save()
    shi.user_permissions.set(Permission.objects.filter(content_type__app_label="branches"))
    client.force_login(shi)
    resp = client.get(reverse("admin:branches_organization_changelist"), {"q": "TA01"})
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "甲一村党总支" in body and "乙一村党支部" not in body
    assert "党组织" in body


def test_admin_export_is_logged_and_escaped(small_city, client):
    from django.contrib.auth.models import Permission

    from branches.models import ExportLog

    organization_update(actor=None, org=small_city.b1, secretary_name="=HYPERLINK(1)")
    shi = small_city.users["shi"]
    shi.is_staff = True
    shi.save()
    shi.user_permissions.set(Permission.objects.filter(content_type__app_label="branches"))
    client.force_login(shi)
    resp = client.post(reverse("admin:branches_organization_export"), {"format": "0", "resource": "0",
                       **{f"organizationresource_{f}": "on" for f in ["code", "name", "parent_code", "secretary_name"]}})  # fmt: skip
    assert resp.status_code == 200, resp.content[:500]
    text = resp.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    log = ExportLog.objects.get()
    assert log.user == shi and log.rows == 8
