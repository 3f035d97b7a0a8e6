"""The roster round trip: the export with full IDs re-imports with no error and no change; the
import template carries the secretary's organization code, a text ID column and drop-downs."""

import io
from datetime import date

from django.urls import reverse
from openpyxl import load_workbook

from branches.models import ExportLog
from members import importing
from tests.members.helpers import add_member, rid


def _city_roster(city):
    add_member(city.a1_branch, 1, name="阿依古丽·买买提", gender="F", resident_id=rid(1, male=False),
               education="bachelor", phone="13912345678", eid_authenticated=True)  # fmt: skip
    add_member(city.a1_branch, 2, full_member_on=None, category="probationary", joined_on=date(2025, 7, 1))
    add_member(city.a1, 3, status="floating", ethnicity="回族")
    add_member(city.b1, 4)


def _download(client, url, **query):
    resp = client.get(url, query)
    assert resp.status_code == 200, resp.status_code
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_full_id_export_reimports_with_no_error_and_no_change(small_city, client):
    _city_roster(small_city)
    client.force_login(small_city.users["shi"])
    data = _download(client, reverse("members:export_full"))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    ids = [c.value for c in ws["D"][1:]]
    assert rid(1, male=False) in ids and all(len(v) == 18 for v in ids)  # full, not masked
    assert {c.number_format for c in ws["D"][1:]} == {"@"}  # text: Excel keeps all 18 digits
    log = ExportLog.objects.get()
    assert "完整" in log.what and log.rows == 4 and log.user == small_city.users["shi"]
    # the same file, through the import preview: nothing to add, nothing to change
    f = io.BytesIO(data)
    f.name = "花名册.xlsx"
    resp = client.post(reverse("members:import"), {"file": f})
    plan = resp.context["plan"]
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.counts == {"new": 0, "updated": 0, "unchanged": 4}


def test_full_id_export_is_its_own_permission_and_only_where_the_flag_holds(small_city, client):
    _city_roster(small_city)
    for who in ("zhen", "ducha", "nobody"):  # may export (zhen) or see, but not full IDs
        client.force_login(small_city.users[who])
        assert client.get(reverse("members:export_full")).status_code == 403
    client.force_login(small_city.users["cun"])  # full IDs over 甲一村 only
    data = _download(client, reverse("members:export_full"))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sorted(c.value for c in ws["K"][1:]) == ["TA01", "TA0101", "TA0101"]
    assert client.get(reverse("members:export_full"), {"org": small_city.b1.pk}).status_code == 404
    html = client.get(reverse("members:list")).content.decode()
    assert reverse("members:export_full") in html
    client.force_login(small_city.users["zhen"])
    assert reverse("members:export_full") not in client.get(reverse("members:list")).content.decode()


def test_import_template_carries_own_org_code_text_id_and_drop_downs(small_city, client):
    client.force_login(small_city.users["cun"])
    data = _download(client, reverse("members:import_template"))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in ws[1]] == importing.HEADERS
    row = {h: c for h, c in zip(importing.HEADERS, ws[2], strict=True)}
    assert row["党组织代码"].value == "TA01"  # the secretary's own unit
    assert row["公民身份号码"].number_format == "@" and row["公民身份号码"].value == "410102198001010018"
    lists = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in ws.data_validations.dataValidation
    }
    col = {h: chr(ord("A") + i) for i, h in enumerate(importing.HEADERS)}
    assert lists[col["性别"]] == '"男,女"' and lists[col["电子身份认证"]] == '"是,否"'
    assert (
        "预备党员" in lists[col["党员类别"]]
        and "流动" in lists[col["党员状态"]]
        and "本科" in lists[col["学历"]]
    )
    # the example row itself imports (a fresh city: its ID is not on the roster)
    f = io.BytesIO(data)
    f.name = "模板.xlsx"
    plan = client.post(reverse("members:import"), {"file": f}).context["plan"]
    assert plan.ok and plan.counts["new"] == 1


def test_full_id_export_carries_the_record_sheets_with_full_ids_and_names(small_city, client):
    from branches.policy import SYSTEM
    from members import records

    m = add_member(small_city.a1_branch, 1)
    records.record_save(actor=SYSTEM, member=m, kind="family",
                        values=dict(relation="son", name="李小华", political_status="league", work_unit="甲镇中学"))  # fmt: skip
    records.record_save(actor=SYSTEM, member=m, kind="positions",
                        values=dict(title="组织委员", unit="甲一村第一党支部", started_on=date(2021, 5, 1)))  # fmt: skip
    client.force_login(small_city.users["cun"])
    wb = load_workbook(io.BytesIO(_download(client, reverse("members:export_full"))), read_only=True)
    assert wb.sheetnames == ["党员花名册", "职务", "奖惩", "家庭成员", "培训", "出国（境）"]
    fam = list(wb["家庭成员"].iter_rows(values_only=True))
    # headers: 公民身份号码, 姓名, 称谓, 家庭成员姓名, 出生年份, 政治面貌, 工作单位及职务 — in full here
    assert fam[1][0] == rid(1) and fam[1][3] == "李小华" and fam[1][6] == "甲镇中学"
    assert list(wb["职务"].iter_rows(values_only=True))[1][:3] == (rid(1), "党员1", "组织委员")
