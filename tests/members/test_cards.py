"""党员证 and 签到: a signed, revocable QR token without the resident ID; each scan records attendance once."""

import json
from datetime import date

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEvent
from branches.policy import SYSTEM
from members import cards_services
from members.cards import CheckIn
from pilot import services as pilot_services
from tests.members.helpers import add_member, rid

TODAY = date(2025, 6, 15)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def _activity(org, held_on=date(2025, 6, 1)):
    return pilot_services.activity_record(actor=SYSTEM, organization=org, kind="theme_day", held_on=held_on,
                                          topic="重温入党誓词")  # fmt: skip


def test_card_token_is_signed_revocable_and_never_carries_the_resident_id(small_city, client, today):
    m = add_member(small_city.a1_branch, 1, name="王秀英")
    token = cards_services.card_token(m)
    assert token.startswith(cards_services.PREFIX) and rid(1) not in token
    payload = signing.loads(token[len(cards_services.PREFIX) :], salt=cards_services.SALT)
    assert payload == {"m": m.pk, "v": 1, "n": "王秀英", "o": "TA0101"}
    assert cards_services.card_member(token) == m
    with pytest.raises(ValidationError, match="签名不符"):
        cards_services.card_member(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    with pytest.raises(ValidationError, match="不是本系统"):
        cards_services.card_member("https://example.com/")
    cards_services.card_revoke(actor=SYSTEM, member=m)
    with pytest.raises(ValidationError, match="已作废"):
        cards_services.card_member(token)  # the printed card stopped working
    assert cards_services.card_member(cards_services.card_token(m)) == m  # the reissued one works
    assert AuditEvent.objects.filter(action="member.card_revoke").count() == 1
    client.force_login(small_city.users["cun"])  # may see full IDs: still none on the card page
    html = client.get(reverse("members:card", args=[m.pk])).content.decode()
    assert "<svg" in html and "王秀英" in html and rid(1) not in html and rid(1)[-4:] not in html
    client.force_login(small_city.users["ducha"])  # sees a2 only: 404 for a1's member
    assert client.get(reverse("members:card", args=[m.pk])).status_code == 404


def test_card_shows_party_years_from_full_membership_and_stars(small_city, today):
    full = add_member(small_city.a1_branch, 1, joined_on=date(2005, 7, 1), full_member_on=date(2006, 7, 1))
    # 转正 2006-07-01 → on 2025-06-15 the 19th anniversary has not come yet: 党龄 18 年
    assert cards_services.card_facts(full).party_years == 18
    prob = add_member(small_city.a1_branch, 2, joined_on=date(2025, 1, 1), full_member_on=None,
                      category="probationary")  # fmt: skip
    assert cards_services.card_facts(prob).party_years is None  # 预备党员: no 党龄 yet


def test_each_scan_records_attendance_once_and_feeds_the_activity(small_city, today):
    a, b = add_member(small_city.a1_branch, 1), add_member(small_city.a1, 2)
    outsider = add_member(small_city.a2, 3)
    act = _activity(small_city.a1)
    assert (act.expected, act.attended) == (2, 0)  # roster taken when the activity was recorded
    r = cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(a))
    assert r.created and r.attended == 1 and "签到成功" in r.message
    again = cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(a))
    assert not again.created and "已签到" in again.message
    cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(b))
    act.refresh_from_db()
    assert act.attended == 2 and set(act.attendees.all()) == {a, b}
    with pytest.raises(ValidationError, match="不是本组织"):
        cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(outsider))
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        CheckIn.objects.create(activity=act, member=a)
    assert CheckIn.objects.filter(activity=act).count() == 2


def test_checkin_pages_scan_by_json_and_refuse_out_of_scope(small_city, client, today,
                                                            django_assert_max_num_queries):  # fmt: skip
    act = _activity(small_city.a1)
    ms = [add_member(small_city.a1_branch, i) for i in (1, 2, 3)]
    client.force_login(small_city.users["cun"])
    page = reverse("members:checkin", args=[act.pk])
    with django_assert_max_num_queries(14):
        html = client.get(page).content.decode()
    assert 'capture="environment"' in html and "jsQR.js" in html and "<script>" not in html
    scan = reverse("members:checkin_scan", args=[act.pk])
    resp = client.post(scan, {"token": cards_services.card_token(ms[0])}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200 and json.loads(resp.content)["created"] is True
    resp = client.post(scan, {"token": cards_services.card_token(ms[0])}, HTTP_ACCEPT="application/json")
    assert "已签到" in json.loads(resp.content)["message"]
    resp = client.post(scan, {"token": "garbage"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 400 and not json.loads(resp.content)["ok"]
    assert (
        client.post(reverse("members:checkin_manual", args=[act.pk]), {"member": ms[1].pk}).status_code == 302
    )
    for i in range(4, 20):
        add_member(small_city.a1_branch, i)
        cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(ms[2]))
    with django_assert_max_num_queries(14):
        assert "党员2" in client.get(page).content.decode()
    client.force_login(small_city.users["cun2"])
    assert client.get(page).status_code == 404
    assert client.post(scan, {"token": cards_services.card_token(ms[2])}).status_code == 404
    client.force_login(small_city.users["ducha"])
    act2 = _activity(small_city.a2)
    assert client.get(reverse("members:checkin", args=[act2.pk])).status_code == 200  # sees, does not scan
    assert client.post(reverse("members:checkin_scan", args=[act2.pk]), {"token": "x"}).status_code == 403


def test_attendance_feeds_the_scores_as_a_ratio_source(small_city, today):
    from assessments.sources import SOURCES, SourceContext

    ms = [add_member(small_city.a1_branch, i) for i in (1, 2, 3)]
    act = _activity(small_city.a1)  # 应到 3
    for m in ms[:2]:
        cards_services.checkin_scan(actor=SYSTEM, activity=act, token=cards_services.card_token(m))
    ctx = SourceContext(org_ids=None, start=date(2025, 4, 1), end=date(2025, 6, 30), period="2025Q2", year=2025,
                        domains={})  # fmt: skip
    source = SOURCES["pilot.attendance"]
    assert source.shape == "ratio" and source.fn(ctx) == {small_city.a1.pk: (2, 3)}  # 实到 2 / 应到 3
