"""PostgreSQL: the hot queries are served by their indexes (EXPLAIN), and bulk loads leave the
planner statistics behind them (ANALYZE). Run only on PostgreSQL; skipped on SQLite.

A test database holds a few rows, where a sequential scan is always cheapest; each plan is asked
with ``enable_seqscan = off`` so that it names the index PostgreSQL *can* use — with no usable
index it still shows a (disabled) Seq Scan and the test fails. At benchmark scale, after ANALYZE,
the planner picks the same indexes on its own (bench/RESULTS.md, issue 15).
"""

from datetime import date

import pytest
from django.db import connection, transaction

from branches.models import Organization
from branches.policy import Scope
from config.dbstats import analyze_after_bulk_load
from members.models import Member
from members.selectors import CURRENT_STATUSES, prefix_q

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans"),
]


def _plan(qs) -> str:
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
    return qs.explain()


def _uses(plan: str, index: str) -> bool:
    return f" using {index} on " in plan.lower() or f" on {index} " in plan.lower()


def test_member_roll_up_reads_the_covering_index(small_city):
    """members.selectors.member_rates (home page, dashboards, goals): per-organization counts."""
    from django.db.models import Count

    qs = (
        Member.objects.filter(status__in=CURRENT_STATUSES)
        .filter(prefix_q([small_city.town_a.path], "organization__path"))
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    plan = _plan(qs)
    assert _uses(plan, "member_rollup_cover") or _uses(plan, "member_org_status"), plan
    assert "Seq Scan on members_member" not in plan, plan


def test_checklist_completion_of_a_year_reads_an_index(small_city):
    """pilot.selectors.completion_by_org (dashboards, matrix, scores): a year's items of a subtree."""
    from django.db.models import Count

    from pilot.selectors import items_in

    qs = (
        items_in(date(2023, 1, 1), date(2023, 12, 31), Scope.of(small_city.town_a))
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    plan = _plan(qs)
    assert "Seq Scan on pilot_checklistitem" not in plan, plan
    assert any(_uses(plan, i) for i in ("pilot_item_period_status", "pilot_item_org_period")), plan


def test_a_units_published_result_reads_the_result_index(small_city):
    """assessments.selectors.unit_result (the unit's page, home, PDF): one unit, kind and period."""
    from assessments.models import ScoreResult

    qs = ScoreResult.objects.filter(organization=small_city.a1, kind="supervision", period="2023Q1")
    plan = _plan(qs)
    assert _uses(plan, "result_org_kind_period"), plan


def test_a_subtree_of_the_tree_reads_an_index_on_path(small_city):
    """Every scope filter starts with ``path LIKE 'prefix%'`` on the organization table."""
    qs = Organization.objects.filter(path__startswith=small_city.town_a.path).values("id")
    plan = _plan(qs)
    assert "Seq Scan on branches_organization" not in plan, plan
    assert "Index" in plan, plan


def _reltuples(table: str) -> float:
    """The planner's row estimate, which ANALYZE sets (-1: never analyzed)."""
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_analyzes_its_tables_once_committed():
    from branches.models import ExportLog
    from tests.factories import UserFactory

    table = ExportLog._meta.db_table
    user = UserFactory(username="exporter")
    with transaction.atomic():
        before = _reltuples(table)
        ExportLog.objects.bulk_create([ExportLog(user=user, what=f"导出{i}", rows=i) for i in range(600)])
        assert analyze_after_bulk_load(ExportLog, rows=600)
        assert _reltuples(table) == before  # not inside the loading transaction
    assert _reltuples(table) == 600  # the planner knows the rows once they are committed


def test_a_small_load_leaves_statistics_to_autovacuum():
    assert analyze_after_bulk_load(Organization, rows=3) is False
