import io
import logging
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches.audit import audit_for
from branches.policy import SYSTEM
from members import services
from members.models import Member, MemberStatus, Part, PioneerScheme, PioneerScore, SchemeStatus
from members.selectors import care_totals, member_rates, pioneer_scores
from tests.members.helpers import add_member, rid


def test_member_create_audits_with_masked_id(small_city):
    m = add_member(small_city.a1_branch, 1, actor=small_city.users["cun"])
    ev = audit_for(m).get()
    assert ev.action == "member.create" and ev.actor == small_city.users["cun"]
    assert ev.changes["resident_id"][1] == f"{rid(1)[:4]}**********{rid(1)[-4:]}"
    assert rid(1) not in str(ev.changes)


def test_member_create_refuses_duplicate_current_id_and_other_subtree(small_city):
    add_member(small_city.a1_branch, 1)
    with pytest.raises(ValidationError):
        add_member(small_city.a2, 1)
    with pytest.raises(PermissionDenied):
        add_member(small_city.b1, 2, actor=small_city.users["cun"])


def test_member_create_refuses_joining_before_eighteen(small_city):
    with pytest.raises(ValidationError) as e:
        add_member(small_city.a1, 1, joined_on=date(1997, 1, 1), full_member_on=None)
    assert "joined_on" in e.value.message_dict


def test_transfer_out_keeps_the_record_and_frees_the_id(small_city):
    m = add_member(small_city.a1_branch, 1)
    services.member_status_change(
        actor=SYSTEM, member=m, status=MemberStatus.TRANSFERRED, on=date(2024, 3, 1)
    )
    m.refresh_from_db()
    assert m.status == MemberStatus.TRANSFERRED and m.status_changed_on == date(2024, 3, 1)
    again = add_member(small_city.b1, 1)  # the same person joins elsewhere
    assert Member.objects.with_resident_id(rid(1)).count() == 2 and again.is_current


def test_eid_bulk_is_audited_and_idempotent(small_city):
    ms = [add_member(small_city.a1_branch, i) for i in (1, 2)]
    assert services.members_eid_authenticate(actor=SYSTEM, members=ms, on=date(2024, 1, 2)) == 2
    assert services.members_eid_authenticate(actor=SYSTEM, members=list(Member.objects.all())) == 0
    assert Member.objects.filter(eid_authenticated=True, eid_authenticated_on=date(2024, 1, 2)).count() == 2
    assert audit_for(ms[0]).filter(action="member.eid").count() == 1


def _grade(scheme, members, part, value, vetoed=()):
    inds = [i for i in scheme.indicators.all() if not i.is_veto]
    return [{"member": m, "values": {i.pk: value for i in inds}, "vetoed": m in vetoed} for m in members]


def test_pioneer_index_combines_parts_by_weight_and_veto_zeroes(small_city):
    scheme = services.pioneer_scheme_default(year=2024)
    a, b, c = (add_member(small_city.a1_branch, i) for i in (1, 2, 3))
    org = small_city.a1_branch
    services.pioneer_entries_save(
        actor=SYSTEM, org=org, scheme=scheme, part=Part.SELF, rows=_grade(scheme, [a], Part.SELF, 100)
    )
    services.pioneer_entries_save(
        actor=SYSTEM, org=org, scheme=scheme, part=Part.MASS, rows=_grade(scheme, [a], Part.MASS, 90)
    )
    services.pioneer_entries_save(actor=SYSTEM, org=org, scheme=scheme, part=Part.BRANCH,
                                  rows=_grade(scheme, [a, b], Part.BRANCH, 96, vetoed=[b]))  # fmt: skip
    services.pioneer_entries_save(
        actor=SYSTEM, org=org, scheme=scheme, part=Part.SELF, rows=_grade(scheme, [c], Part.SELF, 80)
    )
    sa = PioneerScore.objects.get(member=a)
    # 20% × 100 + 50% × 96 + 30% × 90 = 20 + 48 + 27 = 95.0 → five stars (≥ 95)
    assert sa.total == Decimal("95.0") and sa.stars == 5 and not sa.vetoed
    assert sa.breakdown["parts"]["branch"] == {"score": "96.0", "weight": 50}
    sb = PioneerScore.objects.get(member=b)
    assert sb.total == 0 and sb.stars == 0 and sb.vetoed
    assert not PioneerScore.objects.filter(member=c).exists()  # no branch assessment → not rated
    rates = member_rates(org_paths=[small_city.a1.path, small_city.city.path], year=2024)
    assert rates[small_city.a1.path].members == 3 and rates[small_city.a1.path].rated == 2
    assert rates[small_city.a1.path].five_star == 1
    assert [s.member for s in pioneer_scores(org_paths=[small_city.town_a.path], year=2024)] == [a, b]


def test_pioneer_scheme_validation_and_versions(small_city):
    scheme = services.pioneer_scheme_default(year=2024)
    scheme.star3_min = Decimal(99)
    with pytest.raises(ValidationError):
        scheme.full_clean()
    scheme.refresh_from_db()
    scheme.self_weight = 50
    with pytest.raises(ValidationError):
        scheme.full_clean()
    new = services.pioneer_scheme_new_version(actor=SYSTEM, scheme=PioneerScheme.objects.get(pk=scheme.pk))
    assert new.version == 2 and new.status == SchemeStatus.DRAFT and new.indicators.count() == 6
    i = new.indicators.filter(is_veto=False).first()
    i.weight = 30
    i.save()
    with pytest.raises(ValidationError, match="100"):
        services.pioneer_scheme_publish(actor=SYSTEM, scheme=new)
    i.weight = 20
    i.save()
    services.pioneer_scheme_publish(actor=SYSTEM, scheme=new)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.SUPERSEDED
    assert services.pioneer_scheme_default(year=2024).pk == new.pk


def test_care_totals_per_organization_and_year(small_city):
    m = add_member(small_city.a1_branch, 1, in_difficulty=True)
    n = add_member(small_city.b1, 2, in_difficulty=True)
    services.care_visit_add(actor=SYSTEM, member=m, visited_on=date(2024, 2, 1), visitor="王")
    services.care_payment_add(
        actor=SYSTEM, member=m, amount=Decimal("500"), paid_on=date(2024, 2, 1), approver="李"
    )
    services.care_payment_add(
        actor=SYSTEM, member=n, amount=Decimal("300"), paid_on=date(2024, 3, 1), approver="李"
    )
    services.care_payment_add(
        actor=SYSTEM, member=m, amount=Decimal("100"), paid_on=date(2023, 3, 1), approver="李"
    )
    t = care_totals(org_paths=[small_city.a1.path, small_city.city.path, small_city.b1.path], year=2024)
    assert (t[small_city.a1.path].visits, t[small_city.a1.path].amount) == (1, Decimal("500"))
    assert t[small_city.city.path].amount == Decimal("800") and t[small_city.b1.path].payments == 1
    with pytest.raises(ValidationError):
        services.care_payment_add(
            actor=SYSTEM, member=m, amount=Decimal("0"), paid_on=date(2024, 2, 1), approver="李"
        )


def test_rotate_keys_reencrypts_with_the_newest_key(small_city, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.db import connection

    add_member(small_city.a1, 1)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "1 条" in out.getvalue()
    with connection.cursor() as cur:
        cur.execute("SELECT resident_id FROM members_member")
        token = cur.fetchone()[0]
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == rid(1)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    assert Member.objects.get().resident_id == rid(1)


def test_log_lines_mask_resident_ids(caplog):
    from branches.logging import MaskResidentIdFilter

    logger = logging.getLogger("members.test")
    logger.addFilter(MaskResidentIdFilter())
    with caplog.at_level(logging.INFO, logger="members.test"):
        logger.info("导入 %s", rid(1))
    assert rid(1) not in caplog.text and rid(1)[-4:] in caplog.text


def test_pioneer_rescoring_updates_the_existing_score(small_city):
    scheme = services.pioneer_scheme_default(year=2024)
    m = add_member(small_city.a1_branch, 1)
    org = small_city.a1_branch
    services.pioneer_entries_save(
        actor=SYSTEM, org=org, scheme=scheme, part=Part.BRANCH, rows=_grade(scheme, [m], Part.BRANCH, 70)
    )
    assert PioneerScore.objects.get(member=m).stars == 2
    services.pioneer_entries_save(
        actor=SYSTEM, org=org, scheme=scheme, part=Part.BRANCH, rows=_grade(scheme, [m], Part.BRANCH, 90)
    )
    s = PioneerScore.objects.get(member=m)
    assert (s.total, s.stars, PioneerScore.objects.count()) == (Decimal("90.0"), 4, 1)


def test_member_rates_take_three_queries_for_any_number_of_organizations(
    small_city, django_assert_num_queries
):
    for i, org in enumerate([small_city.a1_branch, small_city.a2, small_city.b1], start=1):
        add_member(org, i, eid_authenticated=i != 2, in_difficulty=i == 3)
    paths = [
        o.path for o in (small_city.city, small_city.town_a, small_city.town_b, small_city.a1, small_city.b1)
    ]
    with django_assert_num_queries(3):
        rates = member_rates(org_paths=paths, year=2024)
    city, town_a = rates[small_city.city.path], rates[small_city.town_a.path]
    assert (city.members, city.eid, city.difficulty) == (3, 2, 1)
    assert (town_a.members, town_a.eid) == (2, 1) and town_a.eid_rate == 0.5
    assert rates[small_city.b1.path].difficulty == 1


def test_member_page_status_change_refuses_floating_and_transferred(small_city):
    """流动 and 转出 come from their flows (流出登记, 组织关系转接), never from the status form."""
    from members import floating
    from members.forms import TransferForm

    assert {c for c, _l in TransferForm.base_fields["status"].choices} == {"left", "deceased", "normal"}
    m = add_member(small_city.a1_branch, 1)
    for status, word in ((MemberStatus.FLOATING, "流动党员登记"), (MemberStatus.TRANSFERRED, "组织关系转接")):
        with pytest.raises(ValidationError) as e:
            services.member_transfer_out(actor=SYSTEM, member=m, status=status, on=date(2024, 3, 1))
        assert word in " ".join(e.value.messages)
    m.refresh_from_db()
    assert m.status == MemberStatus.NORMAL
    floating.floating_out_start(
        actor=SYSTEM, member=m, place="深圳", contact="13800000001", started_on=date(2024, 3, 1)
    )
    m.refresh_from_db()
    assert m.status == MemberStatus.FLOATING
    with pytest.raises(ValidationError):  # back to 正常 only by ending the floating record
        services.member_transfer_out(actor=SYSTEM, member=m, status=MemberStatus.NORMAL, on=date(2024, 4, 1))
    services.member_transfer_out(actor=SYSTEM, member=add_member(small_city.a1_branch, 2), status="deceased",
                                 on=date(2024, 4, 1))  # fmt: skip
