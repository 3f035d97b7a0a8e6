from tests.access import EVERYONE, Case, allow
from tests.members import access_cases_life as life
from tests.members import access_more
from tests.members.helpers import add_member

IMPORTERS = allow("shi", "zhen", "cun", "cun2")


def build(city):
    from django.utils import timezone

    from members import services

    # The pioneer grid creates the year's default scheme on first sight: have it, so a page view
    # writes nothing and a refused POST is seen to write nothing.
    services.pioneer_scheme_default(year=timezone.localdate().year)
    city.extra["m_a1"] = add_member(city.a1_branch, 401)
    city.extra["m_a2"] = add_member(city.a2, 402)
    city.extra["m_b1"] = add_member(city.b1, 403)
    life.build(city)
    access_more.build(city)


def _member_form(c, org, *, n, name=None):
    from tests.members.helpers import rid

    return {
        "name": name or f"党员{n}",
        "resident_id": rid(n),
        "gender": "",
        "ethnicity": "汉族",
        "education": "",
        "phone": "",
        "joined_on": "2005-07-01",
        "full_member_on": "2006-07-01",
        "category": "full",
        "organization": org.pk,
    }


def _names(org):
    from members.models import Member

    return sorted(Member.objects.filter(organization=org).values_list("name", flat=True))


def _pioneer_row(c):
    from django.utils import timezone

    from members.models import PioneerScheme

    scheme = PioneerScheme.objects.filter(year=timezone.localdate().year, status="published").get()
    row = {f"form-0-i{i.pk}": "80" for i in scheme.indicators.all() if not i.is_veto}
    return {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-member_id": c["m_a2"].pk, **row}


def _entries(member):
    from members.models import PioneerEntry

    return sorted(PioneerEntry.objects.filter(member=member).values_list("values", flat=True), key=str)


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
        within="a1",
    ),
    Case("members:export", allowed=allow("shi", "zhen")),
    Case("members:create", allowed=IMPORTERS),
    Case("members:import", allowed=IMPORTERS),
    Case("members:import_template", allowed=IMPORTERS),
    Case(
        "members:import_confirm",
        allowed=IMPORTERS,
        method="post",
        data=lambda c: {"token": "bogus"},
        ok_status=302,
        audit=(),
    ),
    Case(
        "members:eid",
        allowed=allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"ids": [c["m_a1"].pk]},
        ok_status=302,
        within="a1",
        audit=("member.eid",),
    ),
    Case(
        "members:eid",
        allowed=allow("shi", "zhen"),
        method="post",
        data=lambda c: {"ids": [c["m_a2"].pk]},
        ok_status=302,
        label="members:eid:a2",
        within="a2",
        audit=("member.eid",),
    ),
    Case("members:detail", _m("m_a1"), allow("shi", "zhen", "cun"), label="members:detail:a1", within="a1"),
    Case("members:detail", _m("m_a2"), allow("shi", "zhen", "ducha"), label="members:detail:a2", within="a2"),
    Case("members:detail", _m("m_b1"), allow("shi", "cun2"), label="members:detail:b1", within="b1"),
    Case(
        "members:detail",
        lambda c: {"member_id": 987654},
        allow(),
        label="members:detail:missing",
        within="missing",
    ),
    Case("members:edit", _m("m_a1"), allow("shi", "zhen", "cun"), label="members:edit:a1", within="a1"),
    Case("members:edit", _m("m_a2"), allow("shi", "zhen"), label="members:edit:a2", within="a2"),
    Case(
        "members:create",
        allowed=allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: _member_form(c, c.a1_branch, n=490),
        ok_status=302,
        # 乙一村's secretary may add members, but 甲一村's branch is not among the units offered.
        status={"cun2": 200},
        audit=("member.create",),
        effect=lambda c: _names(c.a1_branch),
        label="members:create:post",
    ),
    Case(
        "members:edit",
        _m("m_a2"),
        allow("shi", "zhen"),
        method="post",
        data=lambda c: _member_form(c, c.a2, n=402, name="改名党员"),
        ok_status=302,
        within="a2",
        audit=("member.update",),
        effect=lambda c: _names(c.a2),
        label="members:edit:a2:post",
    ),
    Case(
        "members:transfer",
        _m("m_b1"),
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"status": "deceased", "on": "2024-05-01"},
        ok_status=302,
        within="b1",
        audit=("member.status",),
    ),
    Case(
        "members:visit_add",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=_VISIT,
        ok_status=302,
        within="a1",
        audit=("member.care_visit",),
    ),
    Case(
        "members:visit_add",
        _m("m_a2"),
        allow("shi", "zhen"),
        method="post",
        data=_VISIT,
        ok_status=302,
        label="members:visit_add:a2",
        within="a2",
        audit=("member.care_visit",),
    ),
    Case(
        "members:payment_add",
        _m("m_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=_PAY,
        ok_status=302,
        within="a1",
        audit=("member.care_payment",),
    ),
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a1_branch.pk},
        allow("shi", "zhen", "cun"),
        label="members:pioneer_grid:a1_branch",
        within="a1_branch",
    ),
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="members:pioneer_grid:a2",
        within="a2",
    ),
    Case(
        "members:pioneer_grid",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen"),
        method="post",
        data=_pioneer_row,
        ok_status=302,
        label="members:pioneer_grid:a2:post",
        within="a2",
        audit=("pioneer.entries",),
        effect=lambda c: _entries(c["m_a2"]),
    ),
    Case(
        "members:care",
        lambda c: {"org_id": c.town_a.pk},
        allow("shi", "zhen"),
        label="members:care:town_a",
        within="town_a",
    ),
    Case(
        "members:care",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="members:care:a2",
        within="a2",
    ),
]
CASES += life.CASES
CASES += access_more.CASES  # 党费 and the member card
