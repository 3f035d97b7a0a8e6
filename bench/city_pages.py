"""City pages at benchmark scale (issue 15's bar): the 四全看板 dashboard and the ranking for the
department (``shi``), median ≤ 200 ms with a fixed number of queries, on PostgreSQL and SQLite.

    .venv/bin/python bench/city_pages.py --database-url postgres://postgres@127.0.0.1:5432/pb_perf_city
    .venv/bin/python bench/city_pages.py --database-url sqlite:////tmp/perf/city.sqlite3 [--requests 40]

Reads an existing benchmark city (``demo_city --orgs 5000 --members 150000``; build one with
``bench/load.py --build-only``); it writes nothing to it but the test client's sessions. Each page
is timed warm (the figures' caches filled, as on a busy morning) and cold (every cache emptied
before each request), with the query count of that page and that state; the floor is the login
page through the same client in the same run, and the load average is printed beside the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, ROOT, load_average, machine, percentile  # noqa: E402


def _inner(n: int) -> dict:
    import django

    django.setup()
    from django.core import signals
    from django.core.cache import cache
    from django.db import close_old_connections, connection

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branches.models import Organization
    from reports.selectors import default_year

    city = Organization.objects.filter(depth=1).order_by("path").first()
    year = default_year()
    pages = {
        "login page (floor)": (None, "/accounts/login/"),
        "city dashboard": ("shi", f"/reports/org/{city.pk}/?year={year}"),
        "city ranking (quarterly)": ("shi", f"/assessments/ranking/{city.pk}/"),
        "city ranking (fortress)": ("shi", f"/assessments/ranking/{city.pk}/?kind=fortress"),
        "city ranking page 30": ("shi", f"/assessments/ranking/{city.pk}/?page=30"),
    }
    out = {}
    User = get_user_model()
    for label, (username, url) in pages.items():
        c = Client()
        if username:
            c.force_login(User.objects.get(username=username))
        for state in ("warm", "cold"):
            if state == "cold" and username is None:
                continue
            c.get(url)  # warm: sessions, content types, the figures' caches
            if state == "cold":
                cache.clear()
            with CaptureQueriesContext(connection) as q:
                resp = c.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
            queries, size = len(q.captured_queries), len(resp.content)  # this page, this state
            ms = []
            for _ in range(n if state == "warm" else max(5, n // 4)):
                if state == "cold":
                    cache.clear()
                t = time.perf_counter()
                c.get(url)
                ms.append((time.perf_counter() - t) * 1000)
            out[f"{label} · {state}"] = {"queries": queries, "bytes": size, "ms": ms}
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--database-url", help="an existing benchmark city (PostgreSQL or SQLite URL)")
    ap.add_argument("--requests", type=int, default=40, help="timed requests per page, warm (default 40)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        print(json.dumps(_inner(a.requests)))
        return
    if not a.database_url:
        ap.error("--database-url is required")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    # DEBUG on: the development keys the city was built with (templates are cached either way);
    # the cache is the per-process memory cache, emptied for the cold figures.
    env.update(DATABASE_URL=a.database_url, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="True")
    before = load_average()
    out = subprocess.run([PY, __file__, "--inner", "--requests", str(a.requests)], cwd=ROOT, env=env,
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    res = json.loads(out.stdout.strip().splitlines()[-1])
    engine = "PostgreSQL" if a.database_url.startswith("postgres") else "SQLite"
    floor = statistics.median(res["login page (floor) · warm"]["ms"])
    print(f"# City pages ({engine})  {time.strftime('%Y-%m-%d %H:%M')}  {machine()}")
    print(f"load average before {before}, after {load_average()}")
    print("| page · state | queries | KB | median ms | p95 ms | median / login floor |")
    print("|---|---|---|---|---|---|")
    for k, r in res.items():
        med = statistics.median(r["ms"])
        print(f"| {k} | {r['queries']} | {r['bytes'] / 1024:.0f} | {med:.1f} | {percentile(r['ms'], 95):.1f} "
              f"| {med / floor:.1f}× |")  # fmt: skip


if __name__ == "__main__":
    main()
