from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import Member, PioneerScheme
from members.services import pioneer_scheme_default
from tests.factories import UserFactory
from tests.members.helpers import row, xlsx


def _staff(*perms):
    u = UserFactory(username="dept", is_staff=True)
    u.user_permissions.set(Permission.objects.filter(codename__in=perms, content_type__app_label="members"))
    return u


def test_admin_roster_import_needs_the_import_permission(small_city, client):
    client.force_login(_staff("view_member", "change_member"))
    assert client.get(reverse("admin:members_member_roster_import")).status_code == 403
    assert client.get(reverse("admin:members_member_import")).status_code == 403  # django-import-export's own


def test_admin_roster_import_previews_and_imports_for_the_department(small_city, client):
    client.force_login(_staff("view_member", "import_member"))
    url = reverse("admin:members_member_roster_import")
    up = xlsx([row(1, small_city.a1_branch.code), row(2, small_city.b1.code)])
    up.name = "r.xlsx"
    resp = client.post(url, {"file": up})
    assert resp.status_code == 200 and resp.context["plan"].counts["new"] == 2
    resp = client.post(url, {"token": resp.context["token"]})
    assert resp.status_code == 302 and Member.objects.count() == 2


def test_admin_changelist_shows_masked_ids(small_city, client):
    from tests.members.helpers import add_member, rid

    add_member(small_city.a1, 1)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert rid(1)[-4:] in html and rid(1) not in html
    assert reverse("admin:members_member_roster_import") in html and "导出" in html


def test_published_scheme_is_read_only_in_admin(small_city, client):
    s = pioneer_scheme_default(year=2024)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    resp = client.post(reverse("admin:members_pioneerscheme_change", args=[s.pk]), {"name": "改名"})
    assert resp.status_code == 403
    assert PioneerScheme.objects.get(pk=s.pk).name != "改名"
