"""Access cases for records, development, transfers and floating members (added to members' CASES)."""

from datetime import date

from tests.access import EVERYONE, Case, allow

IMPORTERS = allow("shi", "zhen", "cun", "cun2")


def build(city):
    from branches.policy import SYSTEM
    from members import development, records
    from tests.members.helpers import rid

    m = city.extra["m_a1"]
    city.extra["rec_a1"] = records.record_save(
        actor=SYSTEM,
        member=m,
        kind="positions",
        values={"title": "组织委员", "unit": "甲一村", "started_on": date(2021, 5, 1)},
    )
    for key, org, n in (("dev_a1", city.a1_branch, 451), ("dev_b1", city.b1, 452)):
        dev = development.development_start(
            actor=SYSTEM,
            organization=org,
            name=f"申请人{n}",
            resident_id=rid(n),
            applied_on=date(2024, 1, 10),
        )
        development.development_step(actor=SYSTEM, development=dev, number=2, done_on=date(2024, 1, 20))
        development.development_step(actor=SYSTEM, development=dev, number=3, done_on=date(2024, 3, 1))
        city.extra[key] = dev
    build_transfers(city)
    build_floating(city)


def _fresh_record(city):
    from branches.policy import SYSTEM
    from members import records

    city.extra["rec_del"] = records.record_save(
        actor=SYSTEM,
        member=city.extra["m_a1"],
        kind="trainings",
        values={
            "name": "党务培训",
            "organizer": "甲镇党委",
            "started_on": date(2024, 3, 1),
            "ended_on": date(2024, 3, 2),
        },
    )


def _rec(kind, key="rec_a1", member="m_a1"):
    return lambda c: {"member_id": c[member].pk, "kind": kind, "record_id": c[key].pk}


def _current_step(dev):
    from members.models_life import Development

    return Development.objects.get(pk=dev.pk).current_step


def _dev_status(dev):
    from members.models_life import Development

    return Development.objects.get(pk=dev.pk).status


def _dev(key):
    return lambda c: {"development_id": c[key].pk}


CASES = [
    Case(
        "members:record_add",
        lambda c: {"member_id": c["m_a1"].pk, "kind": "positions"},
        allow("shi", "zhen", "cun"),
        label="members:record_add:a1",
        within="a1",
    ),
    Case(
        "members:record_add",
        lambda c: {"member_id": c["m_b1"].pk, "kind": "family"},
        allow("shi", "cun2"),
        label="members:record_add:b1",
        within="b1",
    ),
    Case(
        "members:record_add",
        lambda c: {"member_id": c["m_a1"].pk, "kind": "nosuch"},
        allow(),
        label="members:record_add:unknown-kind",
        within="missing",
    ),
    Case(
        "members:record_edit",
        _rec("positions"),
        allow("shi", "zhen", "cun"),
        label="members:record_edit:a1",
        within="a1",
    ),
    Case(
        "members:record_edit",
        _rec("trips"),
        allow(),
        label="members:record_edit:wrong-kind",
        within="missing",
    ),
    Case(
        "members:record_delete",
        _rec("trainings", "rec_del"),
        allow("shi", "zhen", "cun"),
        method="post",
        ok_status=302,
        setup=_fresh_record,
        within="a1",
        audit=("member.record.delete",),
    ),
    Case("members:development_list", allowed=EVERYONE),
    Case(
        "members:development_list",
        allowed=allow("shi", "zhen", "cun"),
        query=lambda c: {"org": c.a1.pk},
        label="members:development_list?org=a1",
        within="a1",
    ),
    Case("members:development_create", allowed=IMPORTERS),
    Case(
        "members:development_detail",
        _dev("dev_a1"),
        allow("shi", "zhen", "cun"),
        label="members:development_detail:a1",
        within="a1",
    ),
    Case(
        "members:development_detail",
        _dev("dev_b1"),
        allow("shi", "cun2"),
        label="members:development_detail:b1",
        within="b1",
    ),
    # Step 4 (上级党委备案) belongs to the level above: the unit secretary gets 403. An incomplete
    # form (no date) re-renders the page for those allowed, so nothing moves between roles.
    Case(
        "members:development_step",
        _dev("dev_a1"),
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"number": 4, "done_on": "2024-04-01"},
        ok_status=302,
        label="members:development_step:a1-above",
        within="a1",
        audit=("development.step",),
        effect=lambda c: _current_step(c["dev_a1"]),
    ),
    Case(
        "members:development_stop",
        _dev("dev_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"reason": "本人申请不再继续"},
        ok_status=302,
        within="a1",
        audit=("development.stop",),
        effect=lambda c: _dev_status(c["dev_a1"]),
    ),
]


# --- transfers ------------------------------------------------------------------------------------

_N = [800]


def _new_transfer(city, kind="within", to=None):
    from branches.policy import SYSTEM
    from members import transfers
    from tests.members.helpers import add_member

    _N[0] += 1
    m = add_member(city.a1_branch, _N[0], actor=SYSTEM)
    return transfers.transfer_start(
        actor=SYSTEM,
        member=m,
        kind=kind,
        reason="工作调动",
        started_on=date(2024, 5, 1),
        to_org=(to or city.b1) if kind == "within" else None,
        to_org_name="" if kind == "within" else "中共某省某市某村党支部",
    )


def _fresh(kind="within"):
    def setup(city):
        city.extra["tr_fresh"] = _new_transfer(city, kind)

    return setup


def build_transfers(city):
    city.extra["tr_a1_b1"] = _new_transfer(city)
    city.extra["tr_out"] = _new_transfer(city, "out")


_TR = lambda key: lambda c: {"transfer_id": c[key].pk}  # noqa: E731

CASES += [
    Case("members:transfer_list", allowed=EVERYONE),
    Case("members:transfer_in", allowed=IMPORTERS),
    Case(
        "members:transfer_start",
        lambda c: {"member_id": c["m_a1"].pk},
        allow("shi", "zhen", "cun"),
        label="members:transfer_start:a1",
        within="a1",
    ),
    # Both sides and the levels above each: a1's village, its township, b1's village, the city.
    Case(
        "members:transfer_detail",
        _TR("tr_a1_b1"),
        allow("shi", "zhen", "cun", "cun2"),
        label="members:transfer_detail:a1-b1",
        within="a1+b1",
    ),
    Case(
        "members:transfer_detail",
        _TR("tr_out"),
        allow("shi", "zhen", "cun"),
        label="members:transfer_detail:out",
        within="a1",
    ),
    Case(
        "members:transfer_accept",
        _TR("tr_fresh"),
        allow("shi", "cun2"),
        method="post",
        ok_status=302,
        setup=_fresh(),
        within="a1+b1",
        audit=(
            "member.transfer_out",
            "member.transfer_in",
            "transfer.accept",
            "transfer.accept",
        ),
    ),
    Case(
        "members:transfer_refuse",
        _TR("tr_fresh"),
        allow("shi", "cun2"),
        method="post",
        ok_status=302,
        data=lambda c: {"reason": "不属于本支部管理范围"},
        setup=_fresh(),
        within="a1+b1",
        audit=(
            "transfer.refuse",
            "transfer.refuse",
        ),
    ),
    Case(
        "members:transfer_cancel",
        _TR("tr_fresh"),
        allow("shi", "zhen", "cun"),
        method="post",
        ok_status=302,
        setup=_fresh(),
        within="a1+b1",
        audit=(
            "transfer.cancel",
            "transfer.cancel",
        ),
    ),
    Case(
        "members:transfer_receipt",
        _TR("tr_fresh"),
        allow("shi", "zhen", "cun"),
        method="post",
        ok_status=302,
        data=lambda c: {"returned_on": "2024-05-20"},
        setup=_fresh("out"),
        within="a1",
        audit=("transfer.receipt",),
    ),
    Case("members:transfer_letter", _TR("tr_out"), allow("shi", "zhen", "cun"), within="a1"),
]


# --- floating members -----------------------------------------------------------------------------


def build_floating(city):
    from branches.policy import SYSTEM
    from members import floating
    from tests.members.helpers import add_member

    m = add_member(city.a1_branch, 880, actor=SYSTEM)
    city.extra["fl_a1"] = floating.floating_out_start(
        actor=SYSTEM, member=m, place="广东省深圳市", contact="13800000880", started_on=date(2024, 3, 1)
    )
    city.extra["fl_b1"] = floating.floating_in_start(
        actor=SYSTEM,
        organization=city.b1,
        name="外来党员",
        place="安徽省阜阳市",
        contact="13900000001",
        started_on=date(2024, 3, 1),
        origin_org_name="中共阜阳市某村支部",
    )
    city.extra["m_a1_normal"] = add_member(city.a1_branch, 881, actor=SYSTEM)


_FL = lambda key: lambda c: {"record_id": c[key].pk}  # noqa: E731

CASES += [
    Case("members:floating_list", allowed=EVERYONE),
    Case(
        "members:floating_list",
        allowed=allow("shi", "zhen", "cun"),
        query=lambda c: {"org": c.a1.pk},
        label="members:floating_list?org=a1",
        within="a1",
    ),
    Case("members:floating_in", allowed=IMPORTERS),
    Case(
        "members:floating_out",
        lambda c: {"member_id": c["m_a1_normal"].pk},
        allow("shi", "zhen", "cun"),
        within="a1",
    ),
    Case(
        "members:floating_detail",
        _FL("fl_a1"),
        allow("shi", "zhen", "cun"),
        label="members:floating_detail:a1",
        within="a1",
    ),
    Case(
        "members:floating_detail",
        _FL("fl_b1"),
        allow("shi", "cun2"),
        label="members:floating_detail:b1",
        within="b1",
    ),
    Case(
        "members:floating_contact",
        _FL("fl_a1"),
        allow("shi", "zhen", "cun"),
        method="post",
        ok_status=302,
        data=lambda c: {"contacted_on": "2024-06-01", "way": "电话", "notes": "在深圳务工，情况良好"},
        within="a1",
        audit=("floating.contact",),
    ),
    # An incomplete form (no date) re-renders the page: nothing ends between roles.
    Case(
        "members:floating_end",
        _FL("fl_b1"),
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"ended_on": "2024-05-01"},
        ok_status=302,
        within="b1",
        audit=("floating.end",),
    ),
]
