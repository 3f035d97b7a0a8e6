"""The review list on a phone (issue 12, item 3): what waits, decided in place, named when done."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Domain
from pilot import services
from pilot.models import ChecklistItem, ItemStatus
from tests.factories import make_org

from .helpers import jpeg_upload
from .test_views import _item


def _submit(city, org, who="cun", code="G01", photo=False):
    from pilot.evidence import check_upload

    files = [check_upload(jpeg_upload("现场.jpg"))] if photo else []
    services.report_submit(actor=city.users[who], item=_item(city, org, code), state="done", percent=100,
                           narrative=f"{org.name}召开主题党日", files=files)  # fmt: skip
    return _item(city, org, code)


def _month(city) -> str:
    return f"{city['period'].year}年{city['period'].month}月"


def test_township_sees_each_report_waiting_with_narrative_and_photo(client, pilot_city):
    c = pilot_city
    item = _submit(c, c.a1, photo=True)
    _submit(c, c.b1, who="cun2")  # the other township's
    client.force_login(c.users["zhen"])
    html = client.get(reverse("pilot:review")).content.decode()
    assert f'id="review-{item.pk}"' in html and "甲一村党总支 · 支部主题党日" in html and _month(c) in html
    assert "甲一村党总支召开主题党日" in html and "乙一村" not in html
    ev = item.reports.first().evidence.get()
    assert reverse("pilot:evidence_display", args=[ev.pk]) in html and 'alt="现场照片：现场.jpg"' in html
    assert "共 1 条，第 1–1 条" in html


def test_accept_without_javascript_comes_back_at_the_next_card_naming_what_was_done(client, pilot_city):
    c = pilot_city
    _submit(c, c.a1)  # G01 stays waiting, above the two decided below
    first = _submit(c, c.a1, code="G02")
    nxt = _submit(c, c.a1, code="V01")
    client.force_login(c.users["zhen"])
    html = client.get(reverse("pilot:review")).content.decode()
    assert f'value="/pilot/review/?after={nxt.pk}#review-status"' in html  # G02's forms
    resp = client.post(reverse("pilot:review_decide", args=[first.pk]),
                       {"decision": "accept", "next": f"/pilot/review/?after={nxt.pk}#review-status"})  # fmt: skip
    assert resp.status_code == 302 and resp["Location"] == f"/pilot/review/?after={nxt.pk}#review-status"
    html = client.get(resp["Location"]).content.decode()
    msg = f"已通过：甲一村党总支 · 三会一课 · {_month(c)}"
    # The message stands just before the card that followed: where the anchor scrolls to.
    assert html.index(msg) < html.index(f'id="review-{nxt.pk}"')
    assert html.index('id="review-status"') > html.index(f'id="review-{_item(c, c.a1).pk}"')
    assert ChecklistItem.objects.get(pk=first.pk).status == ItemStatus.ACCEPTED


def test_return_needs_a_reason_and_keeps_the_card(client, pilot_city):
    c = pilot_city
    item = _submit(c, c.a1)
    client.force_login(c.users["zhen"])
    url = reverse("pilot:review_decide", args=[item.pk])
    resp = client.post(
        url, {"decision": "return", "reason": "  ", "next": "/pilot/review/?after=#review-status"}
    )
    assert resp["Location"] == f"/pilot/review/?after={item.pk}#review-status"
    html = client.get(resp["Location"]).content.decode()
    assert "未能审核：甲一村党总支 · 支部主题党日" in html and "退回时请填写退回原因。" in html
    assert ChecklistItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED
    client.post(url, {"decision": "return", "reason": "缺少签到表"})
    it = ChecklistItem.objects.get(pk=item.pk)
    assert it.status == ItemStatus.RETURNED and it.return_reason == "缺少签到表"


def test_with_javascript_the_answer_is_json_naming_the_item(client, pilot_city):
    c = pilot_city
    item = _submit(c, c.a1)
    client.force_login(c.users["zhen"])
    url = reverse("pilot:review_decide", args=[item.pk])
    resp = client.post(url, {"decision": "accept"}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    assert json.loads(resp.content) == {"ok": True, "message": f"已通过：甲一村党总支 · 支部主题党日 · {_month(c)}",
                                        "status": None}  # fmt: skip
    again = client.post(url, {"decision": "accept"}, HTTP_ACCEPT="application/json")  # already decided
    assert again.status_code == 400 and "可能已被他人处理" in json.loads(again.content)["message"]


def test_the_unit_and_other_subtrees_are_refused(client, pilot_city):
    c = pilot_city
    a1, b1 = _submit(c, c.a1), _submit(c, c.b1, who="cun2")
    client.force_login(c.users["cun"])
    assert client.get(reverse("pilot:review")).status_code == 403
    assert (
        client.post(reverse("pilot:review_decide", args=[a1.pk]), {"decision": "accept"}).status_code == 403
    )
    client.force_login(c.users["zhen"])
    assert client.get(reverse("pilot:review"), {"org": c.town_b.pk}).status_code == 404
    assert (
        client.post(reverse("pilot:review_decide", args=[b1.pk]), {"decision": "accept"}).status_code == 404
    )
    assert ChecklistItem.objects.get(pk=b1.pk).status == ItemStatus.SUBMITTED


def test_bad_month_falls_back_with_a_message(client, pilot_city):
    client.force_login(pilot_city.users["zhen"])
    resp = client.get(reverse("pilot:review"), {"month": "bad", "page": "abc", "org": "x"})
    assert resp.status_code == 200 and "已显示全部月份" in resp.content.decode()


def test_review_list_makes_a_fixed_number_of_queries(client, pilot_city):
    c = pilot_city
    _submit(c, c.a1, photo=True)
    client.force_login(c.users["zhen"])
    url = reverse("pilot:review")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        make_org(c.town_a, name=f"甲镇新村{i}党支部", domain=Domain.VILLAGE)
    services.checklist_generate(period=c["period"])
    ChecklistItem.objects.filter(organization__name__startswith="甲镇新村").update(
        status=ItemStatus.SUBMITTED
    )
    with CaptureQueriesContext(connection) as big:
        html = client.get(url).content.decode()
    assert len(big.captured_queries) == len(small.captured_queries)
    assert "甲镇新村5党支部" in html
