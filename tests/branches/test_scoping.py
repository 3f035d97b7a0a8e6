import pytest
from django.http import Http404

from branches.models import Organization, RoleKind
from branches.policy import Action, allows
from branches.scoping import can_export, can_review, get_visible_or_404, scope_paths
from branches.services import role_grant
from tests.factories import UserFactory


def names(qs):
    return sorted(o.name for o in qs)


def test_township_secretary_sees_exactly_their_township_subtree(small_city):
    got = names(Organization.objects.visible_to(small_city.users["zhen"]))
    assert got == sorted(["甲镇党委", "甲一村党总支", "甲一村第一党支部", "甲一村第二党支部", "甲二村党支部"])


def test_unit_secretary_sees_own_unit_and_its_branches_only(small_city):
    got = names(Organization.objects.visible_to(small_city.users["cun"]))
    assert got == ["甲一村党总支", "甲一村第一党支部", "甲一村第二党支部"]


def test_inspector_sees_only_assigned_units(small_city):
    assert names(Organization.objects.visible_to(small_city.users["ducha"])) == ["甲二村党支部"]


def test_user_without_roles_sees_nothing(small_city):
    assert not Organization.objects.visible_to(small_city.users["nobody"]).exists()


def test_several_roles_give_the_union_of_subtrees_once(small_city):
    u = small_city.users["cun2"]
    role_grant(actor=None, user=u, organization=small_city.a2, kind=RoleKind.INSPECTOR)
    role_grant(actor=None, user=u, organization=small_city.town_b, kind=RoleKind.TOWNSHIP_SECRETARY)
    u = type(u).objects.get(pk=u.pk)  # fresh object, fresh cache
    assert names(Organization.objects.visible_to(u)) == ["乙一村党支部", "乙镇党委", "甲二村党支部"]
    assert len(scope_paths(u)) == 2  # the nested B1 role folds into the township's subtree


def test_visible_query_is_one_statement(small_city, django_assert_num_queries):
    u = small_city.users["zhen"]
    with django_assert_num_queries(3):  # roles once (cached on the user), then one per subtree read
        list(Organization.objects.visible_to(u))
        list(Organization.objects.visible_to(u))


def test_get_visible_or_404_same_error_for_missing_and_forbidden(small_city):
    qs = Organization.objects.visible_to(small_city.users["cun"])
    with pytest.raises(Http404):
        get_visible_or_404(qs, pk=small_city.b1.pk)
    with pytest.raises(Http404):
        get_visible_or_404(qs, pk=10**9)
    assert get_visible_or_404(qs, pk=small_city.a1_branch.pk) == small_city.a1_branch


def test_review_is_for_the_level_above_not_the_unit_itself(small_city):
    zhen, cun = small_city.users["zhen"], small_city.users["cun"]
    assert can_review(zhen, small_city.a1)
    assert not can_review(zhen, small_city.town_a)
    assert not can_review(cun, small_city.a1)
    assert not can_review(zhen, small_city.b1)


def test_export_is_separate_from_viewing(small_city):
    assert can_export(small_city.users["zhen"], small_city.a1)
    assert not can_export(small_city.users["zhen"], small_city.b1)
    assert not can_export(small_city.users["cun"], small_city.a1)  # sees it, may not export it
    assert allows(small_city.users["cun"], Action.SEE, small_city.a1)


def test_superuser_sees_everything(small_city):
    su = UserFactory(username="root", is_superuser=True)
    assert Organization.objects.visible_to(su).count() == Organization.objects.count()
