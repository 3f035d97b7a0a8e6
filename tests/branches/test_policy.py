"""The one policy: who may do what, and separation of duties (职责分离)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from assessments import services as assessments
from assessments.models import Appeal, Finding, FindingStatus, StandardCheck
from branches.models import Organization
from branches.policy import SYSTEM, Action, Scope, allows, get_for_action_or_404, orgs_for, require, rows_q
from tests.assessments import helpers as h
from tests.conftest import ROLES


def names(qs):
    return sorted(o.name for o in qs)


@pytest.mark.parametrize("action", list(Action))
def test_the_list_and_the_yes_no_give_the_same_answer_for_every_role_and_action(small_city, action):
    """``orgs_for`` (one query) and ``allows`` (one row) are two spellings of one rule."""
    everything = list(Organization.objects.all())
    for role in ROLES:
        user = small_city.users[role]
        listed = set(orgs_for(user, action).values_list("pk", flat=True))
        one_by_one = {o.pk for o in everything if allows(user, action, o)}
        assert listed == one_by_one, (role, action)


@pytest.mark.parametrize("action", list(Action))
def test_the_joined_condition_gives_the_rows_of_the_list_for_every_role_and_action(small_city, action):
    """``rows_q`` (a condition on the row's organization path) and ``organization__in=orgs_for``
    are two spellings of one rule: for the organizations themselves and for rows below them."""
    from branches.models import Role

    for role in ROLES:
        user = small_city.users[role]
        listed = set(orgs_for(user, action).values_list("pk", flat=True))
        assert (
            set(Organization.objects.filter(rows_q(user, action, "path")).values_list("pk", flat=True))
            == listed
        )
        by_join = set(Role.objects.filter(rows_q(user, action)).values_list("pk", flat=True))
        by_list = set(
            Role.objects.filter(organization__in=orgs_for(user, action)).values_list("pk", flat=True)
        )
        assert by_join == by_list, (role, action)


def test_who_reviews_and_who_reports_in_the_small_city(small_city):
    c = small_city
    # The township secretary reviews the villages below, not the township itself …
    assert names(orgs_for(c.users["zhen"], Action.REVIEW)) == sorted(
        ["甲一村党总支", "甲一村第一党支部", "甲一村第二党支部", "甲二村党支部"]
    )
    # … and reports for the township only: a village reports for itself.
    assert names(orgs_for(c.users["zhen"], Action.REPORT)) == ["甲镇党委"]
    assert names(orgs_for(c.users["cun"], Action.REPORT)) == sorted(
        ["甲一村党总支", "甲一村第一党支部", "甲一村第二党支部"]
    )
    # The inspector inspects the assigned unit, manages nothing, exports nothing.
    assert names(orgs_for(c.users["ducha"], Action.INSPECT)) == ["甲二村党支部"]
    assert not orgs_for(c.users["ducha"], Action.MANAGE).exists()
    assert not orgs_for(c.users["ducha"], Action.EXPORT).exists()
    # Out of scope is never granted, whatever the action.
    assert not allows(c.users["zhen"], Action.MANAGE, c.b1)
    # The system actor (jobs, commands) may act; no actor may not.
    assert allows(SYSTEM, Action.MANAGE, c.b1)
    assert not allows(None, Action.MANAGE, c.b1)


def test_scope_has_one_meaning_for_the_city_and_one_for_nothing(small_city):
    c = small_city
    assert Organization.objects.filter(Scope.city().q("path")).count() == Organization.objects.count()
    assert not Organization.objects.filter(Scope.nothing().q("path")).exists()
    assert names(Organization.objects.filter(Scope.of(c.a1, c.a1_branch).q("path"))) == sorted(
        ["甲一村党总支", "甲一村第一党支部", "甲一村第二党支部"]
    )


def test_get_for_action_answers_404_out_of_scope_and_403_in_scope(small_city):
    c = small_city
    f_a2 = h.finding(c.a2, actor=c.users["shi"])
    f_b1 = h.finding(c.b1, actor=c.users["shi"])
    assert get_for_action_or_404(c.users["ducha"], Action.VERIFY, Finding, pk=f_a2.pk) == f_a2
    with pytest.raises(Http404):
        get_for_action_or_404(c.users["ducha"], Action.VERIFY, Finding, pk=f_b1.pk)
    with pytest.raises(PermissionDenied):
        get_for_action_or_404(
            c.users["cun"], Action.VERIFY, Finding, pk=h.finding(c.a1, actor=c.users["shi"]).pk
        )


def _village_finding(c):
    today = date.today()
    return h.finding(c.a1, actor=c.users["shi"], on=today, deadline=today + timedelta(days=10))


def test_township_secretary_who_appealed_a_village_finding_may_not_rule_on_that_appeal(small_city, client):
    c = small_city
    zhen = c.users["zhen"]
    f = _village_finding(c)
    # The township secretary acts for the village: files its appeal (不属于问题) …
    a = assessments.appeal_file(
        actor=zhen, finding=f, reason_kind=Appeal.Reason.NOT_PROBLEM, reason="已整改到位"
    )
    # … and is then refused as the one who rules on it, in the service and on the page.
    with pytest.raises(PermissionDenied, match="职责分离"):
        assessments.appeal_rule(actor=zhen, appeal=a, uphold=True)
    client.force_login(zhen)
    page = client.get(reverse("assessments:finding_detail", args=[f.pk])).content.decode()
    assert "申诉成立" not in page  # no ruling buttons for the person who filed it
    resp = client.post(
        reverse("assessments:finding_action", args=[f.pk, "rule"]), {"appeal": a.pk, "uphold": "1"}
    )
    assert resp.status_code == 403
    assert "职责分离" in resp.content.decode()
    f.refresh_from_db()
    a.refresh_from_db()
    assert f.status == FindingStatus.OPEN and a.ruling == Appeal.Ruling.PENDING  # nothing changed
    # Someone else may rule: the department.
    assessments.appeal_rule(actor=c.users["shi"], appeal=a, uphold=True)
    f.refresh_from_db()
    assert f.status == FindingStatus.WITHDRAWN


def test_who_answered_a_finding_may_not_verify_it(small_city):
    c = small_city
    zhen = c.users["zhen"]
    f = _village_finding(c)
    assessments.finding_answer(actor=zhen, finding=f, answer="已补齐记录")
    assert Finding.objects.get(pk=f.pk).answered_by == zhen
    with pytest.raises(PermissionDenied, match="职责分离"):
        assessments.finding_verify(actor=zhen, finding=Finding.objects.get(pk=f.pk), accept=True)
    assert Finding.objects.get(pk=f.pk).status == FindingStatus.ANSWERED
    assessments.finding_verify(actor=c.users["shi"], finding=Finding.objects.get(pk=f.pk), accept=True)
    assert Finding.objects.get(pk=f.pk).status == FindingStatus.CLOSED


def test_who_self_checked_a_standard_item_may_not_verify_it(small_city):
    c = small_city
    zhen = c.users["zhen"]
    (item,) = h.village_standard(n=1)
    chk = assessments.standard_self_check(actor=zhen, organization=c.a1, item=item, met=True)
    with pytest.raises(PermissionDenied, match="职责分离"):
        assessments.standard_verify(actor=zhen, check=chk, met=True)
    assert StandardCheck.objects.get(pk=chk.pk).verified_met is None
    assessments.standard_verify(actor=c.users["shi"], check=chk, met=True)
    assert StandardCheck.objects.get(pk=chk.pk).verified_met is True


def test_require_names_no_reason_for_a_plain_refusal(small_city):
    with pytest.raises(PermissionDenied) as e:
        require(small_city.users["cun"], Action.REVIEW, small_city.a1)
    assert str(e.value) == ""


def test_an_inspector_opening_a_notice_does_not_mark_it_read_for_the_village(small_city, client):
    from pilot import services as pilot
    from pilot.models import NoticeRecipient

    c = small_city
    n = pilot.notice_send(
        actor=c.users["zhen"],
        sender_org=c.town_a,
        title="关于主题党日的通知",
        body="请按时开展。",
        recipients=[c.a1, c.a2],
    )
    client.force_login(c.users["ducha"])  # the inspector assigned to 甲二村
    assert client.get(reverse("pilot:notice_detail", args=[n.pk])).status_code == 200
    assert not NoticeRecipient.objects.filter(notice=n, read_at__isnull=False).exists()
    client.force_login(c.users["cun"])  # 甲一村's secretary reads it for 甲一村 only
    client.get(reverse("pilot:notice_detail", args=[n.pk]))
    read = NoticeRecipient.objects.filter(notice=n, read_at__isnull=False)
    assert [r.organization for r in read] == [c.a1]
