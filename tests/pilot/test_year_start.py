"""启动新年度: the department copies a year's goals, tasks, schemes and standards as drafts."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.defaults import seed_default_schemes
from assessments.models import Indicator, Scheme, SchemeStatus, Standard, StandardItem
from branches.models import AuditEvent, BranchType
from pilot.models import AnnualGoal, Cadence, ChecklistItem, Element, Function, GoalMetric, PlanYear, Task
from pilot.services import checklist_generate, plan_year_start
from tests.pilot.helpers import make_plan


@pytest.fixture
def year_2024(small_city):
    """2024 (plan 2024–2026) with the helper's five monthly/quarterly tasks, a once-task due on
    29 February, one excluded organization, a goal, the four default schemes and a standard."""
    py = make_plan(2024)
    leap = Task.objects.create(plan_year=py, code="G09", title="专题组织生活会", element=Element.SYSTEM,
                               function=Function.POLITICAL, cadence=Cadence.ONCE, due_date=date(2024, 2, 29),
                               is_common=True, sort_order=9)  # fmt: skip
    leap.excluded_orgs.add(small_city.a2)
    AnnualGoal.objects.create(
        plan_year=py, metric=GoalMetric.EID_COVERAGE, name="电子身份认证覆盖率", target_value=90
    )
    seed_default_schemes(2024)
    # The quarterly scheme is a township's own, for its villages' cooperative branches (coverage).
    Scheme.objects.filter(year=2024, kind="supervision").update(scope=small_city.town_a, domains=["village"])
    coop = BranchType.objects.create(code="coop", name="专业合作社支部")
    Scheme.objects.get(year=2024, kind="supervision").branch_types.add(coop)
    st = Standard.objects.create(domain="village", year=2024, name="2024年农村党支部合格标准")
    StandardItem.objects.bulk_create(
        [StandardItem(standard=st, text=f"条目{i}", sort_order=i) for i in range(3)]
    )
    return py


def test_a_new_year_copies_everything_as_drafts(small_city, year_2024):
    shi = small_city.users["shi"]
    done = plan_year_start(actor=shi, source=year_2024, year=2025, theme="质量提升年")
    py = PlanYear.objects.get(year=2025)
    assert (py.theme, py.plan_id) == ("质量提升年", year_2024.plan_id)
    # 5 helper tasks + G09; four default schemes (fortress, supervision, half-year, annual); one standard.
    assert (done["tasks"], done["schemes"], done["standards"], done["goals"]) == (6, 4, 1, 1)
    tasks = Task.objects.filter(plan_year=py)
    assert not tasks.filter(is_active=True).exists()  # drafts: 未启用
    g09 = tasks.get(code="G09")
    assert g09.due_date == date(2025, 2, 28)  # 2025 has no 29 February
    assert list(g09.excluded_orgs.all()) == [small_city.a2]
    assert AnnualGoal.objects.get(plan_year=py).target_value == 90
    schemes = Scheme.objects.filter(year=2025)
    assert set(schemes.values_list("status", flat=True)) == {SchemeStatus.DRAFT}
    for s in schemes:
        src = Scheme.objects.get(year=2024, kind=s.kind)
        assert Indicator.objects.filter(scheme=s).count() == Indicator.objects.filter(scheme=src).count() > 0
        assert s.bands.count() == src.bands.count() > 0
        assert s.name == src.name.replace("2024", "2025")
    copy = schemes.get(kind="supervision")
    assert (copy.scope, copy.domains, [b.code for b in copy.branch_types.all()]) == (
        small_city.town_a,
        ["village"],
        ["coop"],
    )
    assert Standard.objects.get(year=2025).items.count() == 3
    # Nothing reaches a checklist before the department enables the tasks.
    assert checklist_generate(period=date(2025, 3, 1)) == 0
    assert not ChecklistItem.objects.filter(period__year=2025).exists()
    assert AuditEvent.objects.filter(action="plan_year_start", actor=shi).count() == 1
    assert AuditEvent.objects.filter(action="scheme_copy").count() == 4


def test_an_existing_year_is_refused_in_chinese_and_nothing_is_written(small_city, year_2024):
    shi = small_city.users["shi"]
    plan_year_start(actor=shi, source=year_2024, year=2025, theme="质量提升年")
    counts = (
        Task.objects.count(),
        Scheme.objects.count(),
        Standard.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as e:
        plan_year_start(actor=shi, source=year_2024, year=2025, theme="质量提升年")
    assert "2025 年度已经建立" in e.value.message_dict["year"][0]
    assert (Task.objects.count(), Scheme.objects.count(), Standard.objects.count(),
            AuditEvent.objects.count()) == counts  # fmt: skip


def test_a_year_with_only_schemes_counts_as_existing(small_city, year_2024):
    seed_default_schemes(2025, publish=False)
    with pytest.raises(ValidationError, match="已经建立"):
        plan_year_start(actor=small_city.users["shi"], source=year_2024, year=2025, theme="质量提升年")
    assert not PlanYear.objects.filter(year=2025).exists()


def test_a_year_outside_the_plan_is_refused(small_city, year_2024):
    with pytest.raises(ValidationError) as e:
        plan_year_start(actor=small_city.users["shi"], source=year_2024, year=2027, theme="巩固年")
    assert "2027 年不在" in e.value.message_dict["year"][0] and "2024—2026" in e.value.message_dict["year"][0]


def test_only_the_department_starts_a_year(small_city, year_2024):
    with pytest.raises(PermissionDenied):
        plan_year_start(actor=small_city.users["zhen"], source=year_2024, year=2025, theme="质量提升年")
    assert not PlanYear.objects.filter(year=2025).exists()


def test_the_page_starts_a_year_and_keeps_what_was_typed_when_refused(
    client, small_city, year_2024, django_assert_max_num_queries
):
    client.force_login(small_city.users["shi"])
    url = reverse("pilot:plan_year_start")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    assert 'value="2025"' in page.content.decode()  # the year after the latest, proposed
    r = client.post(url, {"source": 2024, "year": 2025, "theme": "质量提升年", "summary": "补短板"})
    assert r.status_code == 302 and r["Location"].endswith("?year=2025")
    plan = client.get(r["Location"]).content.decode()
    assert "已启动 2025 年度" in plan and "任务 6 项（未启用）" in plan
    again = client.post(url, {"source": 2024, "year": 2025, "theme": "又一年", "summary": ""})
    body = again.content.decode()
    assert again.status_code == 200 and "2025 年度已经建立" in body and 'value="又一年"' in body
    assert PlanYear.objects.get(year=2025).theme == "质量提升年"


def test_the_plan_page_links_the_new_year_for_the_department_only(client, small_city, year_2024):
    link = reverse("pilot:plan_year_start")
    client.force_login(small_city.users["shi"])
    assert link in client.get(reverse("pilot:plan")).content.decode()
    client.force_login(small_city.users["zhen"])
    assert link not in client.get(reverse("pilot:plan")).content.decode()
    assert client.get(link).status_code == 403


def test_copied_standards_are_drafts_nobody_checks_until_the_department_publishes(
    client, small_city, year_2024
):
    from assessments import selectors
    from assessments.models import StandardStatus
    from assessments.services import standard_publish

    shi, cun = small_city.users["shi"], small_city.users["cun"]
    plan_year_start(actor=shi, source=year_2024, year=2025, theme="质量提升年")
    draft = Standard.objects.get(year=2025)
    assert draft.status == StandardStatus.DRAFT
    # A draft is not on the village's checklist of standards (nor counted by the standards source).
    assert selectors.standards_for(user=cun, org=small_city.a1, year=2025) == []
    # Only the department publishes (a village secretary gets 403), from the back office's action.
    with pytest.raises(PermissionDenied):
        standard_publish(actor=cun, standard=draft)
    shi.is_staff = shi.is_superuser = True  # the department's back-office account
    shi.save()
    client.force_login(shi)
    url = reverse("admin:assessments_standard_changelist")
    resp = client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    msgs = [str(m) for m in resp.wsgi_request._messages]
    draft.refresh_from_db()
    assert draft.status == StandardStatus.PUBLISHED, (resp.url, msgs)
    assert draft.status == StandardStatus.PUBLISHED
    assert len(selectors.standards_for(user=cun, org=small_city.a1, year=2025)) == 3
    assert AuditEvent.objects.filter(action="standard_publish", actor=shi).count() == 1
    standard_publish(actor=shi, standard=draft)  # publishing twice does nothing
    assert AuditEvent.objects.filter(action="standard_publish").count() == 1
