from tests.access import EVERYONE, Case, allow
from tests.members import access_cases_life as life
from tests.members import access_more
from tests.members.helpers import add_member

IMPORTERS = allow("shi", "zhen", "cun", "cun2")


def build(city):
    city.extra["m_a1"] = add_member(city.a1_branch, 401)
    city.extra["m_a2"] = add_member(city.a2, 402)
    city.extra["m_b1"] = add_member(city.b1, 403)
    life.build(city)
    access_more.build(city)


def _m(key):
    return lambda c: {"member_id": c[key].pk}


_VISIT = lambda c: {"visited_on": "2024-05-01", "visitor": "王书记", "notes": "送米面油"}  # noqa: E731
_PAY = lambda c: {"amount": "500", "paid_on": "2024-05-01", "approver": "李主任"}  # noqa: E731

CASES = [
    Case("members:list", allowed=EVERYONE),
    Case(
        "members:list",
        allowed=allow("shi", "zhen", "cun"),
        query=lambda c: {"org": c.a1.pk},
        label="members:list?org=a1",
    ),  # fmt: skip
    Case("members:export", allowed=allow("shi", "zhen")),
    Case("members:create", allowed=IMPORTERS),
    Case("members:import", allowed=IMPORTERS),
    Case("members:import_template", allowed=IMPORTERS),
    Case(
        "members:import_confirm",
        allowed=IMPORTERS,
        method="post",
        data=lambda c: {"token": "bogus"},
        ok_status=(302,),
    ),  # fmt: skip
    Case(
        "members:eid",
        allowed=allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"ids": [c["m_a1"].pk]},
        ok_status=(302,),
    ),  # fmt: skip
    Case(
        "members:eid",
        allowed=allow("shi", "zhen"),
        method="post",
        data=lambda c: {"ids": [c["m_a2"].pk]},
        ok_status=(302,),
        label="members:eid:a2",
    ),  # fmt: skip
    Case("members:detail", _m("m_a1"), allow("shi", "zhen", "cun"), label="members:detail:a1"),
    Case("members:detail", _m("m_a2"), allow("shi", "zhen", "ducha"), label="members:detail:a2"),
    Case("members:detail", _m("m_b1"), allow("shi", "cun2"), label="members:detail:b1"),
    Case("members:detail", lambda c: {"member_id": 987654}, allow(), label="members:detail:missing"),
    Case("members:edit", _m("m_a1"), allow("shi", "zhen", "cun"), label="members:edit:a1"),
    Case("members:edit", _m("m_a2"), allow("shi", "zhen"), label="members:edit:a2"),
    Case(
        "members:transfer",
        _m("m_b1"),
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"status": "deceased", "on": "2024-05-01"},
        ok_status=(302,),
    ),  # fmt: skip
    Case(
        "members:visit_add",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=_VISIT,
        ok_status=(302,),
    ),
    Case(
        "members:visit_add",
        _m("m_a2"),
        allow("shi", "zhen"),
        method="post",
        data=_VISIT,
        ok_status=(302,),
        label="members:visit_add:a2",
    ),  # fmt: skip
    Case(
        "members:payment_add",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=_PAY,
        ok_status=(302,),
    ),  # fmt: skip
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a1_branch.pk},
        allow("shi", "zhen", "cun"),
        label="members:pioneer_grid:a1_branch",
    ),  # fmt: skip
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="members:pioneer_grid:a2",
    ),  # fmt: skip
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"},
        ok_status=(302,),
        label="members:pioneer_grid:a2:post",
    ),  # fmt: skip
    Case(
        "members:care", lambda c: {"org_id": c.town_a.pk}, allow("shi", "zhen"), label="members:care:town_a"
    ),
    Case(
        "members:care", lambda c: {"org_id": c.a2.pk}, allow("shi", "zhen", "ducha"), label="members:care:a2"
    ),
]
CASES += life.CASES
CASES += access_more.CASES  # 党费 and the member card
