"""Access cases for 党费 (dues) and the member card / check-in URLs (listed in access_cases.CASES)."""

from django.utils import timezone

from tests.access import EVERYONE, Case, allow

IMPORTERS = allow("shi", "zhen", "cun", "cun2")


def build(city):
    """Uses the members ``m_a1`` / ``m_a2`` / ``m_b1`` that access_cases.build adds; adds an
    activity in 甲一村 and one in 甲二村 for the check-in pages."""
    from datetime import date

    from branches.policy import SYSTEM
    from pilot import services

    for key, org in (("act_a1", city.a1), ("act_a2", city.a2)):
        city.extra[key] = services.activity_record(
            actor=SYSTEM, organization=org, kind="theme_day", held_on=date(2025, 6, 1), topic="主题党日"
        )


def _m(key):
    return lambda c: {"member_id": c[key].pk}


def _act(key):
    return lambda c: {"activity_id": c[key].pk}


def _month():
    return f"{timezone.localdate():%Y-%m}"


def _grid_post(c):
    pk = c["m_a2"].pk
    return {
        "month": _month(),
        "paid_on": timezone.localdate().isoformat(),
        "pay": [pk],
        f"amount-{pk}": "1.50",
    }


CASES = [
    Case("members:export_full", allowed=allow("shi", "cun")),
    Case(
        "members:export_full",
        allowed=allow("shi", "cun"),
        query=lambda c: {"org": c.a1.pk},
        label="members:export_full?org=a1",
        within="a1",
    ),
    Case("members:dues_unpaid", allowed=allow("shi", "zhen", "cun", "cun2", "ducha")),
    Case(
        "members:dues_unpaid",
        allowed=allow("shi", "zhen", "cun"),
        query=lambda c: {"org": c.a1.pk},
        label="members:dues_unpaid?org=a1",
        within="a1",
    ),
    Case(
        "members:dues_unpaid",
        allowed=allow("shi", "cun2"),
        query=lambda c: {"org": c.b1.pk},
        label="members:dues_unpaid?org=b1",
        within="b1",
    ),
    Case(
        "members:dues_branch",
        lambda c: {"org_id": c.a1_branch.pk},
        allow("shi", "zhen", "cun"),
        label="members:dues_branch:a1_branch",
        within="a1_branch",
    ),
    Case(
        "members:dues_branch",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="members:dues_branch:a2",
        within="a2",
    ),
    Case(
        "members:dues_branch",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen"),
        method="post",
        data=_grid_post,
        ok_status=302,
        label="members:dues_branch:a2:post",
        within="a2",
        audit=("member.dues_payment",),
    ),
    Case(
        "members:dues_totals",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        label="members:dues_totals:a1",
        within="a1",
    ),
    Case(
        "members:dues_totals",
        lambda c: {"org_id": c.b1.pk},
        allow("shi", "cun2"),
        label="members:dues_totals:b1",
        within="b1",
    ),
    Case("members:dues_import", allowed=IMPORTERS),
    Case("members:dues_import_template", allowed=IMPORTERS),
    Case(
        "members:dues_import_confirm",
        allowed=IMPORTERS,
        method="post",
        data=lambda c: {"token": "bogus"},
        ok_status=302,
        audit=(),
    ),
    Case(
        "members:dues_member",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        label="members:dues_member:a1",
        within="a1",
    ),
    Case(
        "members:dues_member",
        _m("m_a2"),
        allow("shi", "zhen", "ducha"),
        label="members:dues_member:a2",
        within="a2",
    ),
    Case(
        "members:dues_member",
        _m("m_b1"),
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"kind": "salaried", "base": "4000"},
        ok_status=302,
        label="members:dues_member:b1:post",
        within="b1",
        audit=("member.dues_profile",),
    ),
    Case(
        "members:dues_pay",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"month": _month(), "amount": "15", "paid_on": timezone.localdate().isoformat()},
        ok_status=302,
        within="a1",
        audit=("member.dues_payment",),
    ),
    Case("members:card", _m("m_a1"), allow("shi", "zhen", "cun"), label="members:card:a1", within="a1"),
    Case("members:card", _m("m_a2"), allow("shi", "zhen", "ducha"), label="members:card:a2", within="a2"),
    Case(
        "members:card_revoke",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        ok_status=302,
        label="members:card_revoke:a1",
        within="a1",
        audit=("member.card_revoke",),
    ),
    Case(
        "members:card_revoke",
        _m("m_a2"),
        allow("shi", "zhen"),
        method="post",
        ok_status=302,
        label="members:card_revoke:a2",
        within="a2",
        audit=("member.card_revoke",),
    ),
    Case("members:checkin_home", allowed=EVERYONE),
    Case(
        "members:checkin",
        _act("act_a1"),
        allow("shi", "zhen", "cun"),
        label="members:checkin:a1",
        within="a1",
    ),
    Case(
        "members:checkin",
        _act("act_a2"),
        allow("shi", "zhen", "ducha"),
        label="members:checkin:a2",
        within="a2",
    ),
    Case(
        "members:checkin_scan",
        _act("act_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"token": "bogus"},
        ok_status=302,
        label="members:checkin_scan:a1",
        within="a1",
        audit=(),
    ),
    Case(
        "members:checkin_scan",
        _act("act_a2"),
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"token": "bogus"},
        ok_status=302,
        label="members:checkin_scan:a2",
        within="a2",
        audit=(),
    ),
    Case(
        "members:checkin_manual",
        _act("act_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"member": c["m_a1"].pk},
        ok_status=302,
        label="members:checkin_manual:a1",
        within="a1",
        audit=("activity.checkin",),
    ),
]
