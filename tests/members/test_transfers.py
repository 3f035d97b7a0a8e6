"""组织关系转接: the receiving side accepts before the member moves; both sides (and the levels above)
see it, nobody else; letters out of the city with their receipt; letters from outside."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches.models import AuditEvent
from branches.policy import SYSTEM
from members import transfers
from members.models import Member, MemberStatus
from members.models_life import Transfer, TransferStatus
from tests.members.helpers import add_member, rid

pytestmark = pytest.mark.django_db


def _within(city, n=1, to=None, actor=None):
    m = add_member(city.a1_branch, n, actor=SYSTEM)
    t = transfers.transfer_start(actor=actor or city.users["cun"], member=m, kind="within", reason="工作调动",
                                 started_on=date(2024, 5, 1), to_org=to or city.b1, dues_paid_until="2024-04")  # fmt: skip
    return m, t


def test_member_moves_only_when_the_receiving_unit_accepts(small_city):
    m, t = _within(small_city)
    m.refresh_from_db()
    assert t.status == TransferStatus.PENDING and m.organization == small_city.a1_branch
    with pytest.raises(PermissionDenied):  # the sender cannot accept for the receiver
        transfers.transfer_accept(actor=small_city.users["cun"], transfer=t)
    transfers.transfer_accept(actor=small_city.users["cun2"], transfer=t, on=date(2024, 5, 6))
    m.refresh_from_db()
    assert m.organization == small_city.b1 and t.status == TransferStatus.ACCEPTED
    # History on both sides: the member's move and the transfer's events carry each organization.
    orgs = set(AuditEvent.objects.filter(action__in=["member.transfer_out", "member.transfer_in"])
               .values_list("organization__code", flat=True))  # fmt: skip
    assert orgs == {"TA0101", "TB01"}
    accept_orgs = set(
        AuditEvent.objects.filter(action="transfer.accept").values_list("organization__code", flat=True)
    )
    assert accept_orgs == {"TA0101", "TB01"}


def test_both_sides_and_levels_above_see_it_nobody_else(client, small_city):
    m, t = _within(small_city)
    url = reverse("members:transfer_detail", args=[t.pk])
    for who, status in (
        ("cun", 200),
        ("zhen", 200),
        ("cun2", 200),
        ("shi", 200),
        ("ducha", 404),
        ("nobody", 404),
    ):
        client.force_login(small_city.users[who])
        assert client.get(url).status_code == status, who
        listed = t.name in client.get(reverse("members:transfer_list")).content.decode()
        assert listed == (status == 200), who
    # Before accepting, the receiver sees what a letter carries, not the member's page or full ID.
    client.force_login(small_city.users["cun2"])
    html = client.get(url).content.decode()
    assert m.resident_id_masked in html and m.resident_id not in html and "2024-04" in html
    assert client.get(reverse("members:detail", args=[m.pk])).status_code == 404
    assert "待接收" in client.get("/").content.decode()  # on the to-do list
    assert reverse("members:transfer_detail", args=[t.pk]) in client.get("/").content.decode()
    client.post(reverse("members:transfer_accept", args=[t.pk]))
    assert client.get(reverse("members:detail", args=[m.pk])).status_code == 200
    # The sender keeps the history, no longer the member.
    client.force_login(small_city.users["cun"])
    assert client.get(url).status_code == 200
    assert client.get(reverse("members:detail", args=[m.pk])).status_code == 404


def test_a_township_accepts_for_its_village(small_city):
    m = add_member(small_city.b1, 5, actor=SYSTEM)
    t = transfers.transfer_start(actor=small_city.users["cun2"], member=m, kind="within", reason="迁居",
                                 started_on=date(2024, 5, 1), to_org=small_city.a2)  # fmt: skip
    transfers.transfer_accept(actor=small_city.users["zhen"], transfer=t)
    m.refresh_from_db()
    assert m.organization == small_city.a2


def test_refusal_needs_a_reason_and_keeps_the_member_where_it_was(client, small_city):
    m, t = _within(small_city)
    client.force_login(small_city.users["cun2"])
    resp = client.post(reverse("members:transfer_refuse", args=[t.pk]), {"reason": ""})
    assert resp.status_code == 200 and "拒收原因" in resp.content.decode()
    client.post(reverse("members:transfer_refuse", args=[t.pk]), {"reason": "该同志不在本村居住"})
    t.refresh_from_db()
    m.refresh_from_db()
    assert t.status == TransferStatus.REFUSED and t.refusal_reason == "该同志不在本村居住"
    assert m.organization == small_city.a1_branch
    with pytest.raises(ValidationError):
        transfers.transfer_accept(actor=small_city.users["cun2"], transfer=t)


def test_one_transfer_at_a_time_and_not_to_the_own_organization(small_city):
    m, _t = _within(small_city)
    with pytest.raises(ValidationError, match="正在办理"):
        transfers.transfer_start(actor=small_city.users["cun"], member=m, kind="within", reason="x",
                                 started_on=date(2024, 5, 2), to_org=small_city.a2)  # fmt: skip
    m2 = add_member(small_city.a1_branch, 2, actor=SYSTEM)
    with pytest.raises(ValidationError, match="不能是"):
        transfers.transfer_start(actor=small_city.users["cun"], member=m2, kind="within", reason="x",
                                 started_on=date(2024, 5, 2), to_org=small_city.a1_branch)  # fmt: skip


def test_receiving_organization_is_found_by_code_anywhere_in_the_city(client, small_city):
    m = add_member(small_city.a1_branch, 1, actor=SYSTEM)
    client.force_login(small_city.users["cun"])
    url = reverse("members:transfer_start", args=[m.pk])
    resp = client.post(
        url, {"kind": "within", "to_org_code": "NOPE", "reason": "工作调动", "started_on": "2024-05-01"}
    )
    assert (
        resp.status_code == 200
        and "未找到该党组织" in resp.content.decode()
        and "NOPE" in resp.content.decode()
    )
    resp = client.post(
        url, {"kind": "within", "to_org_code": "TB01", "reason": "工作调动", "started_on": "2024-05-01"}
    )
    assert resp.status_code == 302 and Transfer.objects.get().to_org == small_city.b1


def test_letter_out_of_the_city_with_validity_and_receipt(client, small_city):
    m = add_member(small_city.a1_branch, 1, actor=SYSTEM)
    t = transfers.transfer_start(actor=small_city.users["cun"], member=m, kind="out", reason="考入外省高校",
                                 started_on=date(2024, 5, 1), to_org_name="中共某大学委员会组织部", valid_days=30)  # fmt: skip
    m.refresh_from_db()
    # 2024-05-01 + 30 days = 2024-05-31; numbered by year and the issuing organization's code.
    assert t.valid_until == date(2024, 5, 31) and t.letter_no == "2024TA01010001"
    assert m.status == MemberStatus.TRANSFERRED and t.status == TransferStatus.LETTER_ISSUED
    client.force_login(small_city.users["cun"])
    resp = client.get(reverse("members:transfer_letter", args=[t.pk]))
    assert (
        resp.status_code == 200 and resp["Content-Type"] == "application/pdf" and resp.content[:4] == b"%PDF"
    )
    # cun may see full IDs: printing it is audited as a full-ID view.
    assert AuditEvent.objects.filter(action="member.view_full_id", object_id=str(m.pk)).exists()
    assert "回执未退回" in client.get("/").content.decode()  # past its validity today, no receipt
    with pytest.raises(ValidationError):
        transfers.transfer_receipt(actor=small_city.users["cun"], transfer=t, returned_on=date(2024, 4, 30))
    transfers.transfer_receipt(actor=small_city.users["cun"], transfer=t, returned_on=date(2024, 5, 20))
    assert t.status == TransferStatus.RECEIPT_RETURNED and t.receipt_returned_on == date(2024, 5, 20)


def test_letter_from_outside_adds_the_member_on_acceptance(client, small_city):
    client.force_login(small_city.users["cun2"])
    data = {"from_org_name": "中共某省某县某镇委员会", "letter_no": "2024外001", "to_org": small_city.b1.pk,
            "name": "赵外来", "resident_id": rid(77), "ethnicity": "汉族", "category": "full",
            "joined_on": "2010-07-01", "full_member_on": "2011-07-01", "reason": "返乡创业", "started_on": "2024-06-01"}  # fmt: skip
    bad = {**data, "resident_id": rid(77)[:-1] + ("0" if rid(77)[-1] != "0" else "1")}
    resp = client.post(reverse("members:transfer_in"), bad)
    assert resp.status_code == 200 and "赵外来" in resp.content.decode() and not Transfer.objects.exists()
    assert client.post(reverse("members:transfer_in"), data).status_code == 302
    t = Transfer.objects.get()
    assert t.status == TransferStatus.PENDING and not Member.objects.filter(name="赵外来").exists()
    client.post(reverse("members:transfer_accept", args=[t.pk]))
    m = Member.objects.get(name="赵外来")
    assert m.organization == small_city.b1 and m.joined_on == date(2010, 7, 1) and m.resident_id == rid(77)
    resp = client.get(reverse("members:transfer_letter", args=[t.pk]))  # the 回执 to send back
    assert resp.status_code == 200 and resp.content[:4] == b"%PDF"
