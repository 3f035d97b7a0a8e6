"""Repeatable records on the member page: 职务、奖惩、家庭成员、培训、出国（境）."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import AuditEvent
from branches.policy import SYSTEM
from members import records
from members.models_life import FamilyRecord, RewardRecord
from tests.members.helpers import add_member

pytestmark = pytest.mark.django_db


def test_secretary_adds_a_reward_with_body_and_document_number(client, small_city):
    m = add_member(small_city.a1_branch, 1)
    client.force_login(small_city.users["cun"])
    resp = client.post(reverse("members:record_add", args=[m.pk, "rewards"]), {
        "kind": "reward", "name": "优秀共产党员", "decided_on": "2024-06-28", "deciding_body": "中共甲镇委员会",
        "document_no": "甲党〔2024〕12号", "reason": "带头抗洪",
    })  # fmt: skip
    assert resp.status_code == 302
    r = RewardRecord.objects.get(member=m)
    assert (r.deciding_body, r.document_no, r.decided_on) == (
        "中共甲镇委员会",
        "甲党〔2024〕12号",
        date(2024, 6, 28),
    )
    ev = AuditEvent.objects.get(action="member.record.add", object_id=str(m.pk))
    assert ev.actor == small_city.users["cun"] and "甲党〔2024〕12号" in str(ev.changes)
    html = client.get(reverse("members:detail", args=[m.pk]), {"tab": "rewards"}).content.decode()
    assert "优秀共产党员" in html and "甲党〔2024〕12号" in html and "添加记录" in html


def test_a_refused_record_keeps_what_was_typed(client, small_city):
    m = add_member(small_city.a1_branch, 1)
    client.force_login(small_city.users["cun"])
    resp = client.post(reverse("members:record_add", args=[m.pk, "positions"]), {
        "title": "村党支部书记", "unit": "甲一村", "started_on": "2021-05-01", "ended_on": "2020-01-01",
    })  # fmt: skip
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "不能早于" in html and "村党支部书记" in html and "2020-01-01" in html
    assert not m.positions.exists()


def test_family_names_are_encrypted_and_masked_without_full_view(client, small_city):
    m = add_member(small_city.a1_branch, 1)
    records.record_save(actor=small_city.users["cun"], member=m, kind="family", values=dict(relation="spouse", name="王小明",
                        political_status="masses", work_unit="郑州市第一中学教师"))  # fmt: skip
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT name, work_unit FROM members_familyrecord")
        raw = c.fetchone()
    assert "王小明" not in raw[0] and "郑州" not in raw[1]
    ev = AuditEvent.objects.get(action="member.record.add")
    assert "王**" in str(ev.changes) and "王小明" not in str(ev.changes)
    # zhen (township) may not see full IDs: masked; cun may.
    client.force_login(small_city.users["zhen"])
    html = client.get(reverse("members:detail", args=[m.pk]), {"tab": "family"}).content.decode()
    assert "王**" in html and "王小明" not in html and "郑州*******" in html
    client.force_login(small_city.users["cun"])
    html = client.get(reverse("members:detail", args=[m.pk]), {"tab": "family"}).content.decode()
    assert "王小明" in html and FamilyRecord.objects.get().name == "王小明"


def test_records_need_manage_rights(small_city):
    m = add_member(small_city.a2, 1)
    with pytest.raises(PermissionDenied):
        records.record_save(actor=small_city.users["ducha"], member=m, kind="trainings", values=dict(name="党务培训",
                            organizer="甲镇党委", started_on=date(2024, 3, 1), ended_on=date(2024, 3, 3)))  # fmt: skip


def test_edit_and_delete_are_audited(client, small_city):
    m = add_member(small_city.a1_branch, 1)
    t = records.record_save(actor=small_city.users["cun"], member=m, kind="trips", values=dict(destination="新加坡",
                            purpose="official", left_on=date(2024, 3, 1), returned_on=date(2024, 3, 8)))  # fmt: skip
    client.force_login(small_city.users["cun"])
    resp = client.post(reverse("members:record_edit", args=[m.pk, "trips", t.pk]), {
        "destination": "马来西亚", "purpose": "official", "left_on": "2024-03-01", "returned_on": "2024-03-09"})  # fmt: skip
    assert resp.status_code == 302
    assert client.post(reverse("members:record_delete", args=[m.pk, "trips", t.pk])).status_code == 302
    assert not m.trips.exists()
    actions = list(AuditEvent.objects.filter(object_id=str(m.pk)).values_list("action", flat=True))
    assert {"member.record.add", "member.record.update", "member.record.delete"} <= set(actions)


def test_roster_export_carries_a_sheet_per_record_kind(client, small_city, django_assert_max_num_queries):
    m = add_member(small_city.a1_branch, 1)
    records.record_save(actor=SYSTEM, member=m, kind="positions", values=dict(title="组织委员", unit="甲一村第一党支部",
                        started_on=date(2021, 5, 1)))  # fmt: skip
    records.record_save(
        actor=SYSTEM,
        member=m,
        kind="family",
        values=dict(relation="son", name="李小华", political_status="league"),
    )
    client.force_login(small_city.users["zhen"])
    with django_assert_max_num_queries(20):
        resp = client.get(reverse("members:export"))
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert wb.sheetnames == ["党员花名册", "职务", "奖惩", "家庭成员", "培训", "出国（境）"]
    pos = list(wb["职务"].iter_rows(values_only=True))
    assert pos[0][:3] == ("公民身份号码", "姓名", "职务名称") and pos[1][1:3] == ("党员1", "组织委员")
    assert pos[1][0] == m.resident_id_masked
    fam = list(wb["家庭成员"].iter_rows(values_only=True))
    assert fam[1][3] == "李**"


def test_family_shown_in_full_is_audited_as_a_full_view(client, small_city):
    m = add_member(small_city.a1_branch, 1)
    records.record_save(actor=SYSTEM, member=m, kind="family",
                        values=dict(relation="spouse", name="王小明", political_status="masses"))  # fmt: skip
    full_views = AuditEvent.objects.filter(action="member.view_full_id", object_id=str(m.pk))
    client.force_login(small_city.users["zhen"])  # masked: no full view, no row
    assert "王**" in client.get(reverse("members:detail", args=[m.pk]), {"tab": "family"}).content.decode()
    assert not full_views.exists()
    client.force_login(small_city.users["cun"])  # full: the ID and the family record, each audited
    assert "王小明" in client.get(reverse("members:detail", args=[m.pk]), {"tab": "family"}).content.decode()
    rows = list(full_views.values_list("actor__username", "changes"))
    assert ("cun", {"家庭成员": "1 条（完整姓名、工作单位）"}) in rows
    assert all("王小明" not in str(c) for _u, c in rows)
