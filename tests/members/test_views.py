import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import ExportLog
from branches.policy import SYSTEM
from members import services
from members.models import Member, PioneerEntry
from tests.members.helpers import add_member, rid, row, xlsx


def _login(client, city, who):
    client.force_login(city.users[who])


def test_roster_list_makes_fixed_queries_as_data_grows(small_city, client, django_assert_max_num_queries):
    _login(client, small_city, "zhen")
    for i in range(1, 4):
        add_member(small_city.a1_branch, i)
    with django_assert_max_num_queries(12) as ctx:
        resp = client.get(reverse("members:list"), {"org": small_city.a1.pk})
    first = len(ctx.captured_queries)
    for i in range(4, 60):
        add_member(small_city.a2, i)
    with django_assert_max_num_queries(first) as ctx:
        resp = client.get(reverse("members:list"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "党员1" in html and rid(1) not in html and f"{rid(1)[:4]}**********{rid(1)[-4:]}" in html


def test_roster_list_search_and_filters(small_city, client):
    _login(client, small_city, "cun")
    add_member(small_city.a1_branch, 1, name="张秀英", phone="13912345678")
    add_member(small_city.a1_branch, 2, name="李四", in_difficulty=True)
    add_member(small_city.b1, 3, name="张三")
    html = client.get(reverse("members:list"), {"q": "张"}).content.decode()
    assert "张秀英" in html and "张三" not in html  # other township out of scope
    # A full ID is posted and becomes its blind index in the URL: never in a URL or access log.
    resp = client.post(reverse("members:list"), {"q": rid(2).lower(), "status": "current"})
    assert resp.status_code == 302 and rid(2) not in resp["Location"] and "rid=" in resp["Location"]
    html = client.get(resp["Location"]).content.decode()
    assert "李四" in html and "张秀英" not in html and "按公民身份号码查找" in html
    resp = client.get(reverse("members:list"), {"q": rid(2)})  # typed into the address bar
    assert resp.status_code == 302 and rid(2) not in resp["Location"]
    resp = client.post(reverse("members:list"), {"q": "李", "difficulty": "on"})
    assert resp.status_code == 302 and "difficulty=on" in resp["Location"]
    html = client.get(reverse("members:list"), {"difficulty": "on"}).content.decode()
    assert "李四" in html and "张秀英" not in html


def test_member_page_shows_full_id_only_to_roles_allowed(small_city, client):
    m = add_member(small_city.a1_branch, 1, actor=small_city.users["cun"])
    _login(client, small_city, "cun")  # can_view_full_id
    html = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert rid(1) in html and "新增党员" in html
    _login(client, small_city, "zhen")  # may not see full IDs
    html = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert rid(1) not in html and rid(1)[-4:] in html
    _login(client, small_city, "cun2")
    assert client.get(reverse("members:detail", args=[m.pk])).status_code == 404


def test_member_edit_keeps_typed_values_on_error(small_city, client):
    m = add_member(small_city.a1_branch, 1)
    _login(client, small_city, "cun")
    data = {"name": "新名字", "resident_id": rid(1), "gender": "M", "ethnicity": "汉族", "education": "",
            "phone": "12", "joined_on": "2005-07-01", "full_member_on": "2006-07-01", "category": "full",
            "organization": small_city.a1_branch.pk}  # fmt: skip
    resp = client.post(reverse("members:edit", args=[m.pk]), data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "新名字" in html and "11 位" in html
    data["phone"] = "13900000000"
    assert client.post(reverse("members:edit", args=[m.pk]), data).status_code == 302
    m.refresh_from_db()
    assert m.name == "新名字" and m.phone == "13900000000"


def test_export_masks_ids_escapes_formulas_and_is_logged(small_city, client):
    add_member(small_city.a1_branch, 1, name="=HYPERLINK(1)")
    _login(client, small_city, "zhen")
    resp = client.get(reverse("members:export"))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    cells = [c.value for c in list(ws.rows)[1]]
    assert cells[0] == "'=HYPERLINK(1)" and cells[3] == f"{rid(1)[:4]}**********{rid(1)[-4:]}"
    assert rid(1) not in resp.content.decode("latin-1")
    assert ExportLog.objects.filter(what="党员花名册", rows=1).exists()
    _login(client, small_city, "cun")
    assert client.get(reverse("members:export")).status_code == 403


def test_portal_import_preview_then_confirm(small_city, client):
    _login(client, small_city, "cun")
    code = small_city.a1_branch.code
    up = xlsx([row(1, code), row(2, code, 手机号码="123")])
    up.name = "花名册.xlsx"
    resp = client.post(reverse("members:import"), {"file": up})
    html = resp.content.decode()
    assert "第3行" in html and "手机号码" in html and 'name="token"' not in html
    up = xlsx([row(1, code), row(2, code)])
    up.name = "花名册.xlsx"
    resp = client.post(reverse("members:import"), {"file": up})
    token = resp.context["token"]
    assert resp.context["plan"].counts["new"] == 2 and Member.objects.count() == 0
    resp = client.post(reverse("members:import_confirm"), {"token": token})
    assert resp.status_code == 302 and Member.objects.count() == 2
    m = Member.objects.with_resident_id(rid(1)).get()
    html = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "导入新增" in html and str(small_city.users["cun"]) in html
    # The token is single-use, and bound to the user who uploaded.
    assert client.post(reverse("members:import_confirm"), {"token": token}).status_code == 302
    assert Member.objects.count() == 2


def test_import_token_of_another_user_is_refused(small_city, client):
    up = xlsx([row(1, small_city.a1_branch.code)])
    up.name = "r.xlsx"
    _login(client, small_city, "cun")
    token = client.post(reverse("members:import"), {"file": up}).context["token"]
    _login(client, small_city, "zhen")
    assert client.post(reverse("members:import_confirm"), {"token": token}).status_code == 403
    assert Member.objects.count() == 0


def test_pioneer_grid_saves_all_members_and_keeps_typed_values_on_error(small_city, client,
                                                                     django_assert_max_num_queries):  # fmt: skip
    ms = [add_member(small_city.a1_branch, i) for i in (1, 2)]
    scheme = services.pioneer_scheme_default(year=2024)
    inds = [i for i in scheme.indicators.all() if not i.is_veto]
    _login(client, small_city, "cun")
    url = reverse("members:pioneer_grid", args=[small_city.a1_branch.pk]) + "?year=2024&part=branch"
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}
    for n, m in enumerate(ms):
        data[f"form-{n}-member_id"] = m.pk
        for i in inds:
            data[f"form-{n}-i{i.pk}"] = "97"
    data[f"form-1-i{inds[0].pk}"] = "177"
    resp = client.post(url, data)
    html = resp.content.decode()
    assert resp.status_code == 200 and "不能大于 100" in html and 'value="177"' in html
    assert PioneerEntry.objects.count() == 0
    data[f"form-1-i{inds[0].pk}"] = "90"
    assert client.post(url, data).status_code == 302
    assert PioneerEntry.objects.filter(part="branch").count() == 2
    html = client.get(url).content.decode()
    assert 'value="97"' in html


def test_org_page_panel_has_rates_with_fixed_queries(small_city, client, django_assert_max_num_queries):
    _login(client, small_city, "zhen")
    add_member(small_city.a1_branch, 1, eid_authenticated=True)
    url = reverse("branches:org_detail", args=[small_city.town_a.pk])
    with django_assert_max_num_queries(40) as ctx:
        client.get(url)
    first = len(ctx.captured_queries)
    for i in range(2, 30):
        add_member(small_city.a2, i, in_difficulty=True)
    with django_assert_max_num_queries(first):
        resp = client.get(url)
    html = resp.content.decode()
    assert "电子身份认证率" in html and "五星创评覆盖率" in html


def test_eid_bulk_from_list(small_city, client):
    ms = [add_member(small_city.a1_branch, i) for i in (1, 2)]
    _login(client, small_city, "cun")
    resp = client.post(reverse("members:eid"), {"ids": [m.pk for m in ms], "next": "/members/"})
    assert resp.status_code == 302
    assert Member.objects.filter(eid_authenticated=True, eid_authenticated_on=date.today()).count() == 2


@pytest.mark.parametrize("who,status", [("cun", 302), ("ducha", 404)])
def test_care_visit_from_member_page(small_city, client, who, status):
    m = add_member(small_city.a1_branch, 1, in_difficulty=True)
    _login(client, small_city, who)
    resp = client.post(
        reverse("members:visit_add", args=[m.pk]), {"visited_on": "2024-05-01", "visitor": "王"}
    )
    assert resp.status_code == status
    assert m.care_visits.count() == (1 if status == 302 else 0)


def test_care_overview_totals_per_child_and_year_with_fixed_queries(
    small_city, client, django_assert_max_num_queries
):
    from decimal import Decimal

    m = add_member(small_city.a1_branch, 1, in_difficulty=True)
    services.care_payment_add(
        actor=SYSTEM, member=m, amount=Decimal("500"), paid_on=date(2024, 2, 1), approver="李"
    )
    services.care_payment_add(
        actor=SYSTEM, member=m, amount=Decimal("70"), paid_on=date(2023, 2, 1), approver="李"
    )
    _login(client, small_city, "zhen")
    url = reverse("members:care", args=[small_city.town_a.pk]) + "?year=2024"
    with django_assert_max_num_queries(16) as ctx:  # 16 with the year picker
        resp = client.get(url)
    first = len(ctx.captured_queries)
    html = resp.content.decode()
    assert "500.00" in html and "70.00" not in html and "甲一村党总支" in html
    for i in range(2, 12):
        add_member(small_city.a2, i, in_difficulty=True)
    with django_assert_max_num_queries(first):
        client.get(url)
    _login(client, small_city, "cun2")
    assert client.get(url).status_code == 404


def test_edit_form_masks_the_id_for_roles_that_may_not_see_it_and_keeps_it(small_city, client):
    m = add_member(small_city.a1_branch, 1)
    _login(client, small_city, "zhen")  # may edit, may not see full IDs
    html = client.get(reverse("members:edit", args=[m.pk])).content.decode()
    masked = f"{rid(1)[:4]}**********{rid(1)[-4:]}"
    assert rid(1) not in html and masked in html
    data = {"name": "改名", "resident_id": masked, "gender": "M", "ethnicity": "汉族", "education": "",
            "phone": "", "joined_on": "2005-07-01", "full_member_on": "2006-07-01", "category": "full",
            "organization": small_city.a1_branch.pk}  # fmt: skip
    assert client.post(reverse("members:edit", args=[m.pk]), data).status_code == 302
    m.refresh_from_db()
    assert m.name == "改名" and m.resident_id == rid(1)
    _login(client, small_city, "cun")  # may see full IDs
    assert rid(1) in client.get(reverse("members:edit", args=[m.pk])).content.decode()


def test_home_page_shows_member_figures_for_my_organizations(small_city, client):
    add_member(small_city.a1_branch, 1, eid_authenticated=True)
    add_member(small_city.b1, 2)
    _login(client, small_city, "zhen")
    html = client.get(reverse("branches:home")).content.decode()
    assert "党员队伍" in html and "在册 1 人" in html and "电子身份认证率 100%" in html
