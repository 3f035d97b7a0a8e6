"""Foundation benchmark: build the benchmark-scale city, then time the city home page.

    .venv/bin/python bench/foundation_city.py [--orgs 5000] [--members 150000] [--engine sqlite|postgres]

Targets (issue 2): demo_city at 5,000 orgs / 150,000 members under 90 s and 1 GiB; the city
home page for the municipal admin with a fixed number of queries, median ≤ 100 ms and
p99 ≤ 500 ms through the test client on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, machine, run_timed, scratch_env, summarize  # noqa: E402


def page_timings(n: int) -> dict:
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections, connection

    # As in Django's own test runner: keep one connection so queries can be counted.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    for username, url in (("shi", "/"), ("zhen", "/"), ("cun", "/")):
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        c.get(url)  # warm
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        n_queries = len(q.captured_queries)  # read now: the next request resets the log
        ms = []
        for _ in range(n):
            t = time.perf_counter()
            c.get(url)
            ms.append((time.perf_counter() - t) * 1000)
        out[username] = {"queries": n_queries, "ms": ms}
    # The same page with every cache emptied first (the members panel caches its roll-up for 60 s).
    from django.core.cache import cache

    c = Client()
    c.force_login(get_user_model().objects.get(username="shi"))
    cache.clear()
    with CaptureQueriesContext(connection) as q:
        c.get("/")
    n_queries = len(q.captured_queries)  # this page's own cold figure, not the last user's warm one
    cold = []
    for _ in range(max(5, n // 3)):
        cache.clear()
        t = time.perf_counter()
        c.get("/")
        cold.append((time.perf_counter() - t) * 1000)
    out["shi (cache cleared)"] = {"queries": n_queries, "ms": cold}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=5000)
    ap.add_argument("--members", type=int, default=150000)
    ap.add_argument("--engine", default="sqlite")
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        res = page_timings(a.requests)
        print(json.dumps({k: {"queries": v["queries"], "ms": v["ms"]} for k, v in res.items()}))
        return
    env = scratch_env("foundation", a.engine)
    run_timed([PY, "manage.py", "migrate", "-v0"], env)
    wall, rss, _ = run_timed(
        [PY, "manage.py", "demo_city", "--orgs", str(a.orgs), "--members", str(a.members)], env
    )
    print(f"# Foundation benchmark ({a.engine})  {time.strftime('%Y-%m-%d %H:%M')}  {machine()}")
    print(f"demo_city --orgs {a.orgs} --members {a.members}: {wall:.1f} s wall, peak RSS {rss} MiB")
    import subprocess

    env["DJANGO_SETTINGS_MODULE"] = "config.settings_dev"
    out = subprocess.run(
        [PY, __file__, "--inner", "--requests", str(a.requests)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    for user, r in res.items():
        print(f"home page as {user}: {r['queries']} queries, {summarize(r['ms'])}")


if __name__ == "__main__":
    main()
