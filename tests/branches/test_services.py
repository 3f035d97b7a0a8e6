from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from branches.audit import audit_for
from branches.models import AuditAction, Level, Organization, OrgStatus
from branches.services import organization_move, organization_set_status, organization_update
from tests.factories import make_org


def test_township_link_is_set_on_create_at_any_depth(small_city):
    assert small_city.a1_branch.township_id == small_city.town_a.pk
    assert small_city.town_a.township_id == small_city.town_a.pk
    assert small_city.city.township_id is None


def test_moving_a_subtree_moves_paths_and_township_links(small_city):
    a1 = organization_move(actor=small_city.users["shi"], org=small_city.a1, new_parent=small_city.town_b)
    sub = Organization.objects.filter(path__startswith=a1.path)
    assert sub.count() == 3
    assert set(sub.values_list("township_id", flat=True)) == {small_city.town_b.pk}
    assert {o.name for o in Organization.objects.get_descendants(small_city.town_b)} >= {
        "甲一村党总支",
        "甲一村第一党支部",
    }
    assert not Organization.objects.get_descendants(small_city.town_a).filter(name="甲一村党总支").exists()
    ev = audit_for(a1).first()
    assert ev.action == AuditAction.ORG_MOVE and ev.actor == small_city.users["shi"]
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_cannot_move_under_own_descendant(small_city):
    with pytest.raises(ValidationError):
        organization_move(actor=None, org=small_city.a1, new_parent=small_city.a1_branch)


def test_term_end_and_election_reminder_window(small_city):
    today = date.today()
    org = organization_update(
        actor=None,
        org=small_city.a2,
        last_election_on=today.replace(year=today.year - 5) + timedelta(days=30),
        term_years=5,
    )
    assert org.term_ends_on == today + timedelta(days=30) or org.term_ends_on.month == 3  # leap-day tolerant
    assert org.election_state() == "due"
    assert Organization.objects.election_due().filter(pk=org.pk).exists()
    org = organization_update(actor=None, org=org, last_election_on=today.replace(year=today.year - 6))
    assert org.election_state() == "overdue"
    org = organization_update(actor=None, org=org, last_election_on=today.replace(year=today.year - 1))
    assert org.election_state() is None


def test_dissolving_keeps_the_record_and_audits(small_city):
    org = organization_set_status(
        actor=small_city.users["shi"], org=small_city.b1, status=OrgStatus.DISSOLVED
    )
    assert Organization.objects.filter(pk=org.pk, status=OrgStatus.DISSOLVED).exists()
    assert audit_for(org).first().changes["status"] == ["active", "dissolved"]


def test_merge_requires_target(small_city):
    with pytest.raises(ValidationError):
        organization_set_status(actor=None, org=small_city.b1, status=OrgStatus.MERGED)


def test_update_with_no_change_writes_no_audit(small_city):
    before = audit_for(small_city.a2).count()
    organization_update(actor=None, org=small_city.a2, name=small_city.a2.name)
    assert audit_for(small_city.a2).count() == before


def test_deep_tree_subtree_is_one_query(db, django_assert_num_queries):
    node = make_org(None, level=Level.CITY)
    root = node
    for _ in range(12):
        node = make_org(node)
    with django_assert_num_queries(1):
        assert Organization.objects.subtree_of(root).count() == 13
