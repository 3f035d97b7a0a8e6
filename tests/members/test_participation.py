"""The 先锋指数 indicator 按时参加组织生活、交纳党费 is computed from the dues and check-in records."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from branches.policy import SYSTEM
from members import cards_services, dues_services, services
from members.dues import PayerKind
from members.models import Part, PioneerScore
from members.participation import participation_values
from pilot import services as pilot_services
from tests.members.helpers import add_member

TODAY = date(2025, 6, 15)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def test_paying_on_time_and_attending_feed_the_pioneer_index(small_city, today):
    a = add_member(small_city.a1_branch, 1)  # joined 2005: due every month of 2025 so far
    # b joined in June, after both activities, and has no dues basis: no records, keeps the entered value
    b = add_member(
        small_city.a1_branch, 2, joined_on=date(2025, 6, 1), full_member_on=None, category="probationary"
    )
    dues_services.dues_profile_set(actor=SYSTEM, member=a, kind=PayerKind.SALARIED, base=3000)
    for month, paid_on in ((1, date(2025, 1, 10)), (2, date(2025, 2, 10)), (3, date(2025, 3, 10)),
                           (4, date(2025, 6, 1))):  # April paid late (补交)  # fmt: skip
        dues_services.dues_payment_record(actor=SYSTEM, member=a, month=date(2025, month, 1), amount="15",
                                          paid_on=paid_on)  # fmt: skip
    # Activities held for a: one of her branch, one of the 党总支 above it; she attended one.
    held = [pilot_services.activity_record(actor=SYSTEM, organization=org, kind="theme_day", held_on=d, topic="t")
            for org, d in ((small_city.a1_branch, date(2025, 3, 1)), (small_city.a1, date(2025, 5, 1)))]  # fmt: skip
    cards_services.checkin_record(actor=SYSTEM, activity=held[0], member=a)
    pilot_services.activity_record(actor=SYSTEM, organization=small_city.a2, kind="theme_day",
                                   held_on=date(2025, 4, 1), topic="another village's")  # fmt: skip
    # dues: 3 of 6 months (Jan–Jun) on time = 50 %; attendance: 1 of 2 = 50 %; mean 50
    assert participation_values(member_ids=[a.pk, b.pk], year=2025) == {a.pk: 50}
    scheme = services.pioneer_scheme_default(year=2025)
    inds = [i for i in scheme.indicators.all() if not i.is_veto]
    assert [i.source for i in inds][:1] == ["participation"] and inds[0].weight == 20
    services.pioneer_entries_save(actor=SYSTEM, org=small_city.a1_branch, scheme=scheme, part=Part.BRANCH, rows=[
        {"member": m, "values": {i.pk: 80 for i in inds}, "vetoed": False} for m in (a, b)
    ])  # fmt: skip
    # a: (20 × 50 + 80 × 80) / 100 = (1000 + 6400) / 100 = 74.0 → 二星 (≥ 70); b: 80 everywhere → 80.0
    sa, sb = PioneerScore.objects.get(member=a), PioneerScore.objects.get(member=b)
    assert (sa.total, sa.stars, sa.breakdown["computed"]) == (Decimal("74.0"), 2, 50)
    assert sb.total == Decimal("80.0") and "computed" not in sb.breakdown
