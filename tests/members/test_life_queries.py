"""The new pages make the same number of queries whatever the number of rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.policy import SYSTEM
from members import floating, records, transfers
from tests.members.helpers import add_member

pytestmark = pytest.mark.django_db


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _records(m, n):
    for i in range(n):
        records.record_save(actor=SYSTEM, member=m, kind="family",
                            values={"relation": "son", "name": f"子{i}", "political_status": "masses"})  # fmt: skip


def _transfers(city, start, n):
    for i in range(n):
        m = add_member(city.a1_branch, start + i, actor=SYSTEM)
        transfers.transfer_start(actor=SYSTEM, member=m, kind="within", reason="迁居", started_on=date(2024, 5, 1),
                                 to_org=city.b1)  # fmt: skip


def _floating(city, start, n):
    for i in range(n):
        m = add_member(city.a1_branch, start + i, actor=SYSTEM)
        floating.floating_out_start(actor=SYSTEM, member=m, place="深圳", contact="13800000000",
                                    started_on=date(2024, 5, 1))  # fmt: skip


def test_member_page_with_records_is_fixed(client, small_city):
    m = add_member(small_city.a1_branch, 1, actor=SYSTEM)
    client.force_login(small_city.users["cun"])
    url = reverse("members:detail", args=[m.pk])
    _records(m, 1)
    few = _count(client, url, {"tab": "family"})
    _records(m, 12)
    assert _count(client, url, {"tab": "family"}) == few


def test_transfer_and_floating_lists_and_home_are_fixed(client, small_city):
    client.force_login(small_city.users["zhen"])
    _transfers(small_city, 100, 2)
    _floating(small_city, 200, 2)
    urls = [(reverse("members:transfer_list"), None), (reverse("members:floating_list"), {"org": small_city.town_a.pk}),
            ("/", None)]  # fmt: skip
    few = [_count(client, u, p) for u, p in urls]
    _transfers(small_city, 300, 10)
    _floating(small_city, 400, 10)
    from django.core.cache import cache

    cache.clear()
    assert [_count(client, u, p) for u, p in urls] == few
