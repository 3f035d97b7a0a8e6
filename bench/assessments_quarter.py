"""Assessments benchmark: compute one quarter's supervision scores for the benchmark city.

    .venv/bin/python bench/assessments_quarter.py [--engine sqlite|postgres|both] [--orgs 5000]
        [--members 150000] [--rows 2400000] [--chunk 500]

Builds a scratch database: the organization tree (branches.demo.build_tree, ≈5,000 units and
branches), 150,000 members (bulk insert), 2.4 million checklist items in the pilot's real table
(``pilot_checklistitem``: one INSERT … SELECT of organizations × tasks × 12 months, statuses
spread by a hash), plus standards checks, findings and survey answers for the quarter, and the
default 2023 schemes. Then it times, in the same process and run:

* ``compute``: the real job (``services.run_start`` + ``scoring.run_compute``) for 2023Q3 —
  every indicator of the default supervision scheme, chunks of ``--chunk`` units, results written,
  quotas and ranks applied;
* ``floor``: one hand-written ``GROUP BY organization_id`` over all checklist rows (the issue's
  floor), and the same restricted to the quarter.

Floor and job alternate five times (same load for both); the ratio is reported best-to-best and
median-to-median.

Targets (issue 5): ≤ 10 s on SQLite, ≤ 20 s on PostgreSQL, within 3× of the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, machine, scratch_env  # noqa: E402


def build(orgs: int, members: int, rows: int) -> dict:
    import random
    from datetime import date, timedelta

    from django.db import connection, transaction

    from assessments.defaults import seed_default_schemes
    from assessments.models import Finding, Inspection, Standard, StandardCheck, StandardItem, SurveyResponse
    from branches.demo import build_tree
    from branches.models import Domain, Level, Organization
    from members.models import Member
    from pilot.models import Plan, PlanYear, Task

    rng = random.Random(5)
    t0 = time.perf_counter()
    with transaction.atomic():
        build_tree(rng=rng, orgs_target=orgs, log=lambda *_: None)
    leaves = list(
        Organization.objects.filter(level__in=[Level.UNIT, Level.BRANCH]).values_list("id", "domain")
    )
    # Members: encrypted ID field, so plain bulk_create (no per-row save()).
    batch = []
    for i in range(members):
        oid = leaves[i % len(leaves)][0]
        batch.append(Member(name=f"党员{i}", gender="M" if i % 2 else "F", resident_id=f"11010519{i % 90 + 10}0101{i:04d}"[-18:].rjust(18, "1"),
                            resident_id_hash=f"{i:064d}", birth_date=date(1970 + i % 40, 1, 1), joined_on=date(2000, 7, 1),
                            organization_id=oid, eid_authenticated=i % 5 != 0))  # fmt: skip
        if len(batch) == 5000:
            Member.objects.bulk_create(batch)
            batch = []
    Member.objects.bulk_create(batch)
    # Pilot checklist rows in their real table.
    plan = Plan.objects.create(name="bench", start_year=2023, end_year=2025)
    py = PlanYear.objects.create(plan=plan, year=2023, theme="标准强化年")
    n_tasks = max(1, round(rows / (len(leaves) * 12)))
    Task.objects.bulk_create(
        [
            Task(plan_year=py, code=f"B{i:02d}", title=f"基准任务{i}", element="system", function="political")
            for i in range(n_tasks)
        ]
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_month (m integer, period date, due date, at timestamp)")
        for m in range(1, 13):
            cur.execute(
                "INSERT INTO bench_month VALUES (%s, %s, %s, %s)",
                [m, date(2023, m, 1), date(2023, m, 25), f"2023-{m:02d}-20 10:00:00"],
            )
        cur.execute(
            """
            INSERT INTO pilot_checklistitem (organization_id, task_id, period, due_date, status, percent,
                submitted_at, last_submitted_at, accepted_at, return_reason, is_late, delay_reason, created_at)
            SELECT o.id, t.id, m.period, m.due,
                   CASE WHEN (o.id * 7 + t.id * 13 + m.m) %% 10 < 7 THEN 'accepted' ELSE 'pending' END,
                   CASE WHEN (o.id * 7 + t.id * 13 + m.m) %% 10 < 7 THEN 100 ELSE 0 END,
                   CASE WHEN (o.id * 7 + t.id * 13 + m.m) %% 10 < 8 THEN m.at END,
                   CASE WHEN (o.id * 7 + t.id * 13 + m.m) %% 10 < 8 THEN m.at END,
                   CASE WHEN (o.id * 7 + t.id * 13 + m.m) %% 10 < 7 THEN m.at END,
                   '', (o.id + t.id + m.m) %% 9 = 0, '', m.at
            FROM branches_organization o CROSS JOIN pilot_task t CROSS JOIN bench_month m
            WHERE o.level IN ('unit', 'branch') AND t.plan_year_id = %s
            """,
            [py.pk],
        )
        cur.execute("DROP TABLE bench_month")
    # Assessment inputs for the quarter.
    seed_default_schemes(2023)
    checks = []
    for dom in Domain.values:
        st = Standard.objects.create(domain=dom, year=2023, name=f"{dom} 标准")
        items = StandardItem.objects.bulk_create(
            [StandardItem(standard=st, text=f"条目{i}", sort_order=i) for i in range(8)]
        )
        for oid, d in leaves:
            if d == dom:
                checks += [
                    StandardCheck(
                        item=it, organization_id=oid, self_met=True, verified_met=rng.random() < 0.8
                    )
                    for it in items
                ]
    StandardCheck.objects.bulk_create(checks, batch_size=5000)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="bench")
    units = list(Organization.objects.filter(level=Level.UNIT).values_list("id", flat=True))
    visits = [Inspection(organization_id=u, inspector=user, visited_on=date(2023, 8, 1)) for u in units[::2]]
    Inspection.objects.bulk_create(visits, batch_size=5000)
    Finding.objects.bulk_create(
        [Finding(inspection=v, organization_id=v.organization_id, problem="问题", found_on=v.visited_on, owner="书记",
                 deadline=v.visited_on + timedelta(days=20), severity=rng.choice(["minor", "general", "serious"]),
                 status=rng.choice(["open", "closed"]), closed_on_time=rng.random() < 0.7) for v in visits],
        batch_size=5000,
    )  # fmt: skip
    SurveyResponse.objects.bulk_create(
        [SurveyResponse(organization_id=u, period="2023Q3", answered_on=date(2023, 8, 1 + k), voter_hash=f"{u}-{k}",
                        rating=rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])) for u in units for k in range(15)],
        batch_size=5000,
    )  # fmt: skip
    new_sources = _new_sources(rng, leaves, units)
    from pilot.models import ChecklistItem

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE") if connection.get_autocommit() else None
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {
        "build_s": round(time.perf_counter() - t0, 1),
        "units": len(units),
        "orgs_with_items": len(leaves),
        "members": Member.objects.count(),
        "checklist_rows": ChecklistItem.objects.count(),
        "tasks": n_tasks,
        "findings": len(visits),
        "survey_answers": len(units) * 15,
        **new_sources,
    }


def _new_sources(rng, leaves, units) -> dict:
    """Rows for the sources added with scheme coverage (issue 10) — organizational life per month,
    honors by level, collective income, funding, brands and cases, the pocketbook, duty ratings —
    and a version of the default quarterly scheme that reads every one of them (bonus items, a
    threshold veto and a 连续 6 个月 veto), plus a township's own scheme beside it, so the timed
    job runs them all and assigns units to two schemes."""
    from datetime import date, datetime
    from decimal import Decimal

    from django.utils import timezone

    from assessments import services
    from assessments.models import DutyRating, DutyReport, Indicator, Scheme
    from branches.models import Level, Organization
    from pilot.models import Activity, Brand, BrandCase, CollectiveIncome, Commitment, FundingRecord, Honor

    acts = [Activity(organization_id=oid, kind="theme_day", held_on=date(2023, m, 10), topic="主题党日")
            for oid, _d in leaves for m in range(1, 13) if rng.random() < 0.85]  # fmt: skip
    Activity.objects.bulk_create(acts, batch_size=5000)
    levels = ["county", "city", "province", "national"]
    Honor.objects.bulk_create(
        [Honor(organization_id=u, level=rng.choice(levels), title="先进基层党组织", awarded_on=date(2023, 8, 1))
         for u in units if rng.random() < 0.2],
        batch_size=5000,
    )  # fmt: skip
    villages = Organization.objects.filter(level=Level.UNIT, domain="village").values_list("id", flat=True)
    CollectiveIncome.objects.bulk_create(
        [CollectiveIncome(organization_id=v, year=2023, income=Decimal(rng.randint(3, 30)), target=Decimal(10))
         for v in villages], batch_size=5000,
    )  # fmt: skip
    FundingRecord.objects.bulk_create(
        [FundingRecord(organization_id=u, year=2023, category="activity", amount=Decimal(rng.randint(1, 9)),
                       spent_on=date(2023, 8, 15)) for u in units], batch_size=5000,
    )  # fmt: skip
    at = timezone.make_aware(datetime(2023, 6, 1))
    brands = Brand.objects.bulk_create(
        [Brand(organization_id=u, name="一支部一品牌", published_at=at) for u in units if rng.random() < 0.1],
        batch_size=5000,
    )
    BrandCase.objects.bulk_create(
        [BrandCase(brand=b, title="典型个案", body="内容") for b in brands], batch_size=5000
    )
    Commitment.objects.bulk_create(
        [Commitment(organization_id=u, year=2023, secretary_name="书记", content=f"承诺{k}", fulfilled=rng.random() < 0.6,
                    rating=Decimal(rng.randint(60, 100))) for u in units for k in range(3)],
        batch_size=5000,
    )  # fmt: skip
    from django.contrib.auth import get_user_model

    author = get_user_model().objects.get(username="bench")
    reports = DutyReport.objects.bulk_create(
        [DutyReport(organization_id=u, year=2023, title="述职", body="述职", filed_by=author) for u in units],
        batch_size=5000,
    )
    DutyRating.objects.bulk_create(
        [DutyRating(report=r, rater=rng.choice(["member", "public"]), voter_hash=f"{r.pk}-{k}",
                    rating=rng.choice(["satisfied", "basic", "unsatisfied"])) for r in reports for k in range(5)],
        batch_size=5000,
    )  # fmt: skip
    base = Scheme.objects.get(year=2023, kind="supervision", status="published")
    new = services.scheme_new_version(actor=None, scheme=base)
    extra = [
        ("income", "pilot.income_rate", "linear", {"lo": 0.5, "hi": 1.5}),
        ("honors-p", "pilot.honors.province", "per_item", {"per_item": 1, "cap": 1}),
        ("honors-n", "pilot.honors", "per_item", {"per_item": 0.5, "cap": 1}),
        ("funding", "pilot.funding", "thresholds", {"steps": [[5, 1]]}),
        ("brands", "pilot.brands", "per_item", {"per_item": 1, "cap": 1}),
        ("cases", "pilot.brand_cases", "per_item", {"per_item": 1, "cap": 1}),
        ("pocket", "pilot.pocketbook", "linear", {"lo": 0, "hi": 1}),
        ("pocket-r", "pilot.pocketbook_rating", "linear", {"lo": 60, "hi": 100}),
        ("duty-m", "duty.rating.member", "linear", {"lo": 0.5, "hi": 1}),
        ("duty-p", "duty.rating.public", "linear", {"lo": 0.5, "hi": 1}),
        ("life", "pilot.life_months", "thresholds", {"steps": [[3, 1]]}),
    ]
    Indicator.objects.bulk_create(
        [Indicator(scheme=new, code=f"x-{c}", name=c, kind="bonus", source=src, mapping=m, weight=Decimal(1),
                   params=p, sort_order=100 + i) for i, (c, src, m, p) in enumerate(extra)]
        + [Indicator(scheme=new, code="x-low-sat", name="满意度低于60%", kind="veto", source="survey.satisfaction",
                     mapping="flag", condition_op="lt", condition_value=Decimal("0.6"), sort_order=200),
           Indicator(scheme=new, code="x-no-life", name="连续6个月未开展组织生活", kind="veto",
                     source="pilot.life_months", mapping="flag", condition_op="streak", condition_value=Decimal(6),
                     veto_effect="zero", sort_order=201)]
    )  # fmt: skip
    services.scheme_publish(actor=None, scheme=new)
    township = Organization.objects.filter(level=Level.TOWNSHIP).order_by("id").first()
    own = services.scheme_new_version(actor=None, scheme=new)
    own.scope, own.supersedes, own.lagging_bottom_percent = township, None, Decimal(10)
    own.save()
    services.scheme_publish(actor=None, scheme=own)
    return {"activities": len(acts), "schemes": 2}


FLOOR_SQL = (
    "SELECT organization_id, COUNT(*), SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN submitted_at IS NOT NULL AND NOT is_late THEN 1 ELSE 0 END) "
    "FROM pilot_checklistitem {where} GROUP BY organization_id"
)


def measure(chunk: int, rounds: int = 5) -> dict:
    """Floor and job alternate, ``rounds`` times, so both see the same machine load; the ratio
    is given best-to-best and median-to-median."""
    from statistics import median

    from django.db import connection

    from assessments import scoring, services
    from assessments.models import ScoreResult

    floors, quarter, times = [], [], []
    run = None
    for _ in range(rounds):
        with connection.cursor() as cur:
            for acc, where, params in (
                (floors, "", []),
                (quarter, "WHERE period BETWEEN %s AND %s", ["2023-07-01", "2023-09-30"]),
            ):
                t = time.perf_counter()
                cur.execute(FLOOR_SQL.format(where=where), params)
                groups = len(cur.fetchall())
                acc.append(round(time.perf_counter() - t, 3))
        t = time.perf_counter()
        run = services.run_start(
            actor=None, period="2023Q3", kind="supervision", enqueue=False, chunk_size=chunk
        )
        run = scoring.run_compute(run.pk)
        times.append(round(time.perf_counter() - t, 2))
    out = {
        "floor_groups": groups,
        "floor_all_rows_s": floors,
        "floor_quarter_s": quarter,
        "compute_s": times,
        "results": ScoreResult.objects.filter(run=run).count(),
        "chunks": run.chunks_total,
        "ratio_best_to_best": round(min(times) / min(floors), 2),
        "ratio_median_to_median": round(median(times) / median(floors), 2),
        "ratio_to_floor_quarter_median": round(median(times) / median(quarter), 2),
    }
    r = ScoreResult.objects.filter(run=run).order_by("rank_city").first()
    out["top"] = [r.total.__str__(), r.grade_label, len(r.breakdown)]
    return out


def inner(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")

    django.setup()
    from django.core.management import call_command

    if args.reuse:
        from assessments.models import ScoreRun
        from branches.models import Level, Organization
        from members.models import Member
        from pilot.models import ChecklistItem

        call_command("migrate", verbosity=0)
        ScoreRun.objects.filter(period="2023Q3").exclude(status="superseded").update(status="superseded")
        info = {"units": Organization.objects.filter(level=Level.UNIT).count(), "members": Member.objects.count(),
                "checklist_rows": ChecklistItem.objects.count(), "reused_db": True}  # fmt: skip
    else:
        call_command("migrate", verbosity=0)
        info = build(args.orgs, args.members, args.rows)
    info.update(measure(args.chunk))
    print("RESULT " + json.dumps(info, ensure_ascii=False))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--engine", default="both", choices=["sqlite", "postgres", "both"])
    p.add_argument("--orgs", type=int, default=7900, help="tree size; 7,900 gives about 5,000 scored units")
    p.add_argument("--members", type=int, default=150000)
    p.add_argument("--rows", type=int, default=2400000)
    p.add_argument("--chunk", type=int, default=500)
    p.add_argument("--inner", action="store_true")
    p.add_argument(
        "--reuse", action="store_true", help="measure again on the scratch databases of the last run"
    )
    args = p.parse_args()
    if args.inner:
        return inner(args)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {machine()}")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    for engine in engines:
        if args.reuse:
            env = {**os.environ, "DEBUG": "True", "DATABASE_URL": "sqlite:////tmp/bench-assessments.sqlite3"
                   if engine == "sqlite" else "postgres://postgres@127.0.0.1:5432/bench_assessments"}  # fmt: skip
            env.pop("REDIS_URL", None)
        else:
            env = scratch_env("assessments", engine)
        cmd = [PY, __file__, "--inner", *(["--reuse"] if args.reuse else []), "--orgs", str(args.orgs), "--members", str(args.members),
               "--rows", str(args.rows), "--chunk", str(args.chunk)]  # fmt: skip
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stdout[-3000:] + out.stderr[-5000:])
        line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
        res = json.loads(line[7:])
        print(f"{engine}: {json.dumps(res, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
