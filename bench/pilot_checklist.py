"""Pilot benchmark: the monthly-checklist job for the whole city and the township matrix.

    .venv/bin/python bench/pilot_checklist.py [--orgs 5000] [--tasks 40] [--engine sqlite|postgres]

Builds the benchmark city (demo_city --orgs 5000, which includes the 2023 pilot demo), then adds
a 2024 plan year with ``--tasks`` monthly tasks applying to every unit and branch (≈5,000
organizations × 40 tasks × 12 months ≈ 2.4 million checklist rows), times the city-wide
``checklist_generate`` per month (and a rerun, which must create nothing), spreads statuses and
writes one report per submitted item (set-based), then times the township matrix and the city
view through the Django test client.

Targets (issue 4): monthly-checklist job for the whole city ≤ 30 s on SQLite; township matrix
median ≤ 200 ms with a fixed number of queries.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, machine, run_timed, scratch_env, summarize  # noqa: E402


def inner(n_tasks: int, requests: int) -> dict:
    import django

    django.setup()
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branches.models import Level, Organization
    from pilot.demo import _reports_and_reviews, _spread_statuses
    from pilot.models import ChecklistItem, Element, Function, Plan, PlanYear, ProgressReport, Task
    from pilot.services import checklist_generate

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    out: dict = {}
    year = 2024
    plan = Plan.objects.first() or Plan.objects.create(name="bench", start_year=2023, end_year=2025)
    py, _ = PlanYear.objects.get_or_create(plan=plan, year=year, defaults={"theme": "质量提升年"})
    elements, functions = list(Element.values), list(Function.values)
    Task.objects.bulk_create(
        [Task(plan_year=py, code=f"B{i:02d}", title=f"基准任务{i}", element=elements[i % 5], function=functions[i % 2],
              cadence="monthly", due_day=25, is_common=True, levels=[Level.UNIT, Level.BRANCH], sort_order=i)
         for i in range(n_tasks)]
    )  # fmt: skip
    out["organizations"] = Organization.objects.filter(level__in=[Level.UNIT, Level.BRANCH]).count()
    per_month = []
    for m in range(1, 13):
        t = time.perf_counter()
        created = checklist_generate(period=date(year, m, 1))
        per_month.append((m, created, time.perf_counter() - t))
    out["per_month"] = per_month
    t = time.perf_counter()
    again = checklist_generate(period=date(year, 6, 1))
    out["rerun"] = (again, time.perf_counter() - t)
    out["items_total"] = ChecklistItem.objects.count()

    class Ctx:
        townships = list(Organization.objects.filter(level=Level.TOWNSHIP).order_by("path"))

    t = time.perf_counter()
    _spread_statuses(Ctx, year)
    author = get_user_model().objects.get(username="demo_import")
    before = ProgressReport.objects.count()
    _reports_and_reviews(year, author)
    out["spread_and_reports"] = (ProgressReport.objects.count() - before, time.perf_counter() - t)
    out["reports_total"] = ProgressReport.objects.count()

    def timed(username, url):
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        assert c.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as q:
            c.get(url)
        nq = len(q.captured_queries)
        ms = []
        for _ in range(requests):
            t = time.perf_counter()
            c.get(url)
            ms.append((time.perf_counter() - t) * 1000)
        return {"queries": nq, "ms": ms}

    zhen_town = Organization.objects.get(roles__user__username="zhen")
    units = Organization.objects.filter(path__startswith=zhen_town.path, level=Level.UNIT).count()
    out["matrix_units"] = units
    out["matrix"] = timed("zhen", "/pilot/matrix/?month=2024-06")
    out["matrix_filtered"] = timed("zhen", "/pilot/matrix/?month=2024-06&element=activity")
    out["city"] = timed("shi", "/pilot/city/?month=2024-06")
    out["home_cun"] = timed("cun", "/")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=5000)
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--engine", default="sqlite")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        print(json.dumps(inner(a.tasks, a.requests)))
        return
    env = scratch_env("pilot", a.engine)
    run_timed([PY, "manage.py", "migrate", "-v0"], env)
    wall, rss, demo_out = run_timed(
        [PY, "manage.py", "demo_city", "--orgs", str(a.orgs), "--members", str(a.members)], env
    )
    print(f"# Pilot benchmark ({a.engine})  {time.strftime('%Y-%m-%d %H:%M')}  {machine()}")
    print(
        f"demo_city --orgs {a.orgs} --members {a.members} (incl. 2023 pilot demo): {wall:.1f} s, peak RSS {rss} MiB"
    )
    for line in demo_out.splitlines():
        if line.strip().startswith(("pilot:", "一月一清单")):
            print(f"  demo_city {line.strip()}")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_dev"
    env["LOG_LEVEL"] = "WARNING"
    p = subprocess.run([PY, __file__, "--inner", "--tasks", str(a.tasks), "--requests", str(a.requests)],
                       env=env, capture_output=True, text=True)  # fmt: skip
    if p.returncode:
        raise SystemExit(p.stderr[-4000:])
    r = json.loads(p.stdout.strip().splitlines()[-1])
    months = r["per_month"]
    worst = max(s for _, _, s in months)
    print(f"organizations with checklists (units + branches): {r['organizations']}, tasks: {a.tasks}")
    print(f"monthly_checklist, whole city, one month: {months[0][1]} items in {months[0][2]:.2f} s "
          f"(worst month {worst:.2f} s; 12 months {sum(s for _, _, s in months):.1f} s)")  # fmt: skip
    print(f"rerun of a generated month: {r['rerun'][0]} items created in {r['rerun'][1]:.2f} s")
    print(f"checklist rows in total: {r['items_total']}; reports: {r['reports_total']} "
          f"(spread + {r['spread_and_reports'][0]} reports/reviews written in {r['spread_and_reports'][1]:.1f} s)")  # fmt: skip
    print(f"township matrix (zhen, {r['matrix_units']} units × {a.tasks} tasks): {r['matrix']['queries']} queries, "
          f"{summarize(r['matrix']['ms'])}")  # fmt: skip
    print(f"township matrix filtered by element: {r['matrix_filtered']['queries']} queries, "
          f"{summarize(r['matrix_filtered']['ms'])}")  # fmt: skip
    print(f"city view (shi): {r['city']['queries']} queries, {summarize(r['city']['ms'])}")
    print(
        f"home page with reminders (cun): {r['home_cun']['queries']} queries, {summarize(r['home_cun']['ms'])}"
    )


if __name__ == "__main__":
    main()
