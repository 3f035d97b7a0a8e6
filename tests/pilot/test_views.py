from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Domain
from pilot import services
from pilot.models import Brand, ChecklistItem, ItemStatus, ProgressReport
from tests.factories import make_org

from .helpers import exe_upload, jpeg_upload


def _item(city, org, code="G01"):
    return ChecklistItem.objects.get(organization=org, task__code=code, period=city["period"])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def _grow(city, n=6):
    for i in range(n):
        make_org(city.town_a, name=f"甲镇新村{i}党支部", domain=Domain.VILLAGE)
    services.checklist_generate(period=city["period"])
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=2))


def test_secretary_sees_this_months_checklist(client, pilot_city):
    client.force_login(pilot_city.users["cun"])
    resp = client.get(reverse("pilot:checklist"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "支部主题党日" in html and "村级集体经济" in html and "待报送" in html


def test_report_with_photo_then_township_returns_and_accepts(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    url = reverse("pilot:item_report", args=[item.pk])
    data = {
        "state": "done",
        "percent": "100",
        "narrative": "开展主题党日",
        "idempotency_key": "abc",
        "evidence": jpeg_upload(),
    }
    resp = client.post(url, data)
    assert resp.status_code == 302
    report = ProgressReport.objects.get(item=item)
    ev = report.evidence.get()
    got = client.get(reverse("pilot:evidence", args=[ev.pk]))
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Type"] == "image/jpeg"
    client.force_login(pilot_city.users["cun2"])
    assert client.get(reverse("pilot:evidence", args=[ev.pk])).status_code == 404
    client.force_login(pilot_city.users["zhen"])
    resp = client.post(reverse("pilot:item_review", args=[item.pk]), {"decision": "return", "reason": ""})
    assert resp.status_code == 400 and "退回原因" in resp.content.decode()
    client.post(reverse("pilot:item_review", args=[item.pk]), {"decision": "return", "reason": "照片不清楚"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED


def test_double_tapped_submit_creates_one_report(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    url = reverse("pilot:item_report", args=[item.pk])
    data = {"state": "in_progress", "percent": "50", "narrative": "推进中", "idempotency_key": "same-key"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ProgressReport.objects.filter(item=item).count() == 1


def test_refused_upload_keeps_the_narrative_and_names_the_field(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    resp = client.post(
        reverse("pilot:item_report", args=[item.pk]),
        {
            "state": "done",
            "percent": "100",
            "narrative": "我写的工作简述",
            "idempotency_key": "k",
            "evidence": exe_upload("现场.jpg"),
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "我写的工作简述" in html and "佐证材料" in html and "现场.jpg" in html and "不符" in html
    assert not ProgressReport.objects.exists()


def test_other_subtree_item_is_404_and_inspector_cannot_report(client, pilot_city):
    client.force_login(pilot_city.users["cun2"])
    assert (
        client.get(reverse("pilot:item_detail", args=[_item(pilot_city, pilot_city.a1).pk])).status_code
        == 404
    )
    client.force_login(pilot_city.users["ducha"])
    a2_item = _item(pilot_city, pilot_city.a2)
    assert client.get(reverse("pilot:item_detail", args=[a2_item.pk])).status_code == 200
    resp = client.post(
        reverse("pilot:item_report", args=[a2_item.pk]), {"state": "done", "percent": "100", "narrative": "x"}
    )
    assert resp.status_code == 403


def test_township_matrix_query_count_does_not_grow(client, pilot_city):
    client.force_login(pilot_city.users["zhen"])
    url = reverse("pilot:matrix")
    services.report_submit(actor=pilot_city.users["cun"], item=_item(pilot_city, pilot_city.a1), state="done",
                           percent=100, narrative="完成")  # fmt: skip
    small = _queries(client, url)
    html = client.get(url).content.decode()
    assert "甲一村党总支" in html and "乙一村" not in html
    _grow(pilot_city)
    assert _queries(client, url) == small
    assert "甲镇新村5党支部" in client.get(url).content.decode()


def test_matrix_one_click_accept_and_filters(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    services.report_submit(
        actor=pilot_city.users["cun"], item=item, state="done", percent=100, narrative="完成"
    )
    client.force_login(pilot_city.users["zhen"])
    resp = client.get(reverse("pilot:matrix"), {"element": "guarantee"})
    html = resp.content.decode()
    # Columns are the tasks' names, never their codes; cells are titled in Chinese.
    assert '<th scope="col" class="tcol">村级集体经济</th>' in html and "支部主题党日" not in html
    assert "V01" not in html and 'title="submitted"' not in html and 'title="pending"' not in html
    assert 'title="待报送"' in html
    resp = client.get(reverse("pilot:matrix"))
    assert 'title="待审核"' in resp.content.decode()
    nxt = reverse("pilot:matrix")
    resp = client.post(reverse("pilot:review_decide", args=[item.pk]), {"decision": "accept", "next": nxt})
    assert resp.status_code == 302 and resp["Location"] == nxt
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED
    assert "已通过：甲一村党总支 · 支部主题党日 · " in client.get(nxt).content.decode()


def test_matrix_refuses_unit_secretary_and_other_township(client, pilot_city):
    client.force_login(pilot_city.users["cun"])
    assert client.get(reverse("pilot:matrix")).status_code == 403
    client.force_login(pilot_city.users["zhen"])
    assert client.get(reverse("pilot:matrix"), {"org": pilot_city.town_b.pk}).status_code == 404


def test_city_view_lists_townships_with_fixed_queries(client, pilot_city):
    client.force_login(pilot_city.users["shi"])
    url = reverse("pilot:city")
    small = _queries(client, url)
    html = client.get(url).content.decode()
    assert "甲镇党委" in html and "乙镇党委" in html
    _grow(pilot_city)
    assert _queries(client, url) == small


def test_home_page_reminders_with_fixed_queries(client, pilot_city):
    cun = pilot_city.users["cun"]
    client.force_login(cun)
    ChecklistItem.objects.filter(organization=pilot_city.a1).update(
        due_date=timezone.localdate() + timedelta(days=2)
    )
    url = reverse("branches:home")
    html = client.get(url).content.decode()
    assert "待办事项" in html and "待报送" in html and "支部主题党日" in html
    small = _queries(client, url)
    ChecklistItem.objects.filter(organization=pilot_city.a1, task__code="G02").update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    services.checklist_generate(period=pilot_city["period"] - timedelta(days=40))
    assert _queries(client, url) == small
    assert "逾期未报" in client.get(url).content.decode()


def test_brand_showcase_is_visible_to_every_signed_in_user(client, pilot_city):
    b = Brand.objects.create(organization=pilot_city.a1, name="田间党课", concept="理念")
    client.force_login(pilot_city.users["cun2"])
    assert client.get(reverse("pilot:brand_detail", args=[b.pk])).status_code == 404
    services.brand_publish(actor=pilot_city.users["zhen"], brand=b)
    assert "田间党课" in client.get(reverse("pilot:brands")).content.decode()
    assert client.get(reverse("pilot:brand_detail", args=[b.pk])).status_code == 200


def test_notice_send_view_and_read_tracking(client, pilot_city):
    client.force_login(pilot_city.users["zhen"])
    resp = client.post(
        reverse("pilot:notice_new", args=[pilot_city.town_a.pk]),
        {"title": "月底前报送", "body": "请按时报送"},
    )
    assert resp.status_code == 302
    notice_url = resp["Location"]
    assert "未读" in client.get(notice_url).content.decode()
    client.force_login(pilot_city.users["cun"])
    assert "月底前报送" in client.get(reverse("pilot:notices")).content.decode()
    client.get(notice_url)
    client.force_login(pilot_city.users["zhen"])
    assert "已读 1 / 2" in client.get(notice_url).content.decode()
    client.force_login(pilot_city.users["cun2"])
    assert client.get(notice_url).status_code == 404


def test_township_home_page_counts_reports_waiting_for_review(client, pilot_city):
    services.report_submit(actor=pilot_city.users["cun"], item=_item(pilot_city, pilot_city.a1), state="done",
                           percent=100, narrative="完成")  # fmt: skip
    services.report_submit(actor=pilot_city.users["cun2"], item=_item(pilot_city, pilot_city.b1), state="done",
                           percent=100, narrative="完成")  # fmt: skip
    client.force_login(pilot_city.users["zhen"])
    html = client.get(reverse("branches:home")).content.decode()
    assert "下级报送待审核 1 项" in html


def test_township_generates_missing_items_on_demand_for_its_subtree_only(client, pilot_city):
    new = make_org(pilot_city.town_a, name="甲镇新社区党支部", domain=Domain.COMMUNITY)
    other = make_org(pilot_city.town_b, name="乙镇新村党支部", domain=Domain.VILLAGE)
    client.force_login(pilot_city.users["zhen"])
    url = reverse("pilot:checklist_generate")
    resp = client.post(url, {"month": pilot_city["period"].strftime("%Y-%m")})
    assert resp.status_code == 302
    assert ChecklistItem.objects.filter(organization=new).count() >= 2
    assert not ChecklistItem.objects.filter(organization=other).exists()
    before = ChecklistItem.objects.count()
    client.post(url, {"month": pilot_city["period"].strftime("%Y-%m")})
    assert ChecklistItem.objects.count() == before
    client.force_login(pilot_city.users["cun"])
    assert client.post(url).status_code == 403


def test_weekly_meeting_with_decisions_and_a_bad_line_named(client, pilot_city):
    client.force_login(pilot_city.users["zhen"])
    url = reverse("pilot:meeting_new", args=[pilot_city.town_a.pk])
    bad = {
        "held_on": "2023-07-03",
        "topic": "第 27 周例会",
        "decisions": "督促甲一村报送｜王书记｜2023-07-10\n补齐台账｜李｜下周",
    }
    resp = client.post(url, bad)
    html = resp.content.decode()
    assert resp.status_code == 400 and "第 2 行" in html and "下周" in html and "第 27 周例会" in html
    bad["decisions"] = "督促甲一村报送｜王书记｜2023-07-10\n补齐台账｜李｜2023/7/12"
    assert client.post(url, bad).status_code == 302
    html = client.get(reverse("pilot:meetings")).content.decode()
    assert "督促甲一村报送" in html and "补齐台账" in html


def test_secretary_writes_and_updates_a_pocketbook_commitment(client, pilot_city):
    from pilot.models import Commitment

    client.force_login(pilot_city.users["cun"])
    year = timezone.localdate().year
    resp = client.post(
        reverse("pilot:commitment_add", args=[pilot_city.a1.pk]),
        {"content": "集体经济过 10 万元", "year": year},
    )
    assert resp.status_code == 302
    c = Commitment.objects.get(organization=pilot_city.a1)
    client.post(reverse("pilot:commitment_update", args=[c.pk]), {"percent": "100", "note": "已达 12 万元"})
    c.refresh_from_db()
    assert c.fulfilled and c.percent == 100
    assert "已兑现" in client.get(reverse("pilot:pocketbook"), {"year": year}).content.decode()
    client.force_login(pilot_city.users["cun2"])
    assert (
        client.post(reverse("pilot:commitment_add", args=[pilot_city.a1.pk]), {"content": "x"}).status_code
        == 404
    )


def test_secretary_records_an_honor_target_and_a_center_with_field_errors(client, pilot_city):
    from pilot.models import HonorTarget, ServiceCenterProject

    client.force_login(pilot_city.users["cun"])
    url = reverse("pilot:record_new", args=["honor_target", pilot_city.a1.pk])
    assert (
        client.post(url, {"year": "2023", "target_level": "province", "title": "先进基层党组织"}).status_code
        == 302
    )
    assert HonorTarget.objects.get(organization=pilot_city.a1).target_level == "province"
    url = reverse("pilot:record_new", args=["center", pilot_city.a1.pk])
    resp = client.post(url, {"name": "甲一村党员群众服务中心", "kind": "center", "stage": "done", "year": "2023",
                             "budget": "50", "spent": "48"})  # fmt: skip
    assert resp.status_code == 400 and "建成日期" in resp.content.decode()
    assert "甲一村党员群众服务中心" in resp.content.decode()
    assert not ServiceCenterProject.objects.exists()
    assert client.get(reverse("pilot:record_new", args=["nonsense", pilot_city.a1.pk])).status_code == 404


def test_township_exports_the_months_checklist_with_report_text(client, pilot_city):
    import io

    from openpyxl import load_workbook

    from branches.models import ExportLog

    services.report_submit(actor=pilot_city.users["cun"], item=_item(pilot_city, pilot_city.a1), state="done",
                           percent=100, narrative="=HYPERLINK(\"x\") 已开展")  # fmt: skip
    client.force_login(pilot_city.users["zhen"])
    resp = client.get(reverse("pilot:matrix_export"))
    assert resp.status_code == 200 and resp["X-Content-Type-Options"] == "nosniff"
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert (
        len(rows)
        == 1 + ChecklistItem.objects.filter(organization__path__startswith=pilot_city.town_a.path).count()
    )
    assert any(r[-1] == '\'=HYPERLINK("x") 已开展' for r in rows)
    assert ExportLog.objects.filter(user=pilot_city.users["zhen"]).count() == 1
    client.force_login(pilot_city.users["cun"])
    assert client.get(reverse("pilot:matrix_export")).status_code == 403
