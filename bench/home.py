"""Home-page benchmark (issue 12): every demo role's home — the to-do list, 我的得分 and the panels —
at benchmark scale on SQLite, as a median and as a ratio to the login page measured in the same run.

    .venv/bin/python bench/home.py [--orgs 5000] [--members 150000] [--requests 60] [--reuse]

Builds a scratch database (/tmp/bench-home.sqlite3: ``migrate`` + ``demo_city --orgs --members``;
``--reuse`` keeps an existing one and only migrates it), then through the Django test client: one
warm-up request per page, the number of queries of a request, then ``--requests`` timed requests
of the login page (the floor: no database work beyond the session) and of ``/`` for shi, zhen,
cun, cun2 and ducha. Prints what each to-do list holds (entries by kind), so the figures are
known to be measured on a living list. Besides the wall time, the process CPU time of each
request (SQLite runs in the process, so it is the page's whole work): on a machine shared by
others the wall time mostly measures the queue for a core, the CPU time does not. The home's
roll-up figures are cached (60 s, dropped on writes): the timed requests read them from the cache
as visits within a minute do; ``CPU ms, nothing cached`` is the median of five requests each after
emptying the cache (the first visit after a write or after the figures expired).

Target (issue 12): each role's home with a fixed number of queries, median ≤ 100 ms on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, machine, percentile, run_timed, scratch_env  # noqa: E402

NAME = "home"
ROLES = ("shi", "zhen", "cun", "cun2", "ducha")
#: Requests timed with the cache emptied first (the home's roll-up figures are cached 60 s).
COLD = 5


def inner(n: int) -> dict:
    import django

    django.setup()
    from collections import Counter

    from django.contrib.auth import get_user_model
    from django.core import signals
    from django.core.cache import cache
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pilot.todo import todo_for

    # As in Django's own test runner: keep one connection so queries can be counted.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def timed(client, url) -> dict:
        assert client.get(url).status_code == 200  # warm
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        queries = len(q.captured_queries)
        ms, cpu = [], []
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            client.get(url)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        # The first visit after the cached roll-ups expired (60 s) or were dropped by a write.
        cold = []
        for _ in range(COLD):
            cache.clear()
            c = time.process_time()
            client.get(url)
            cold.append((time.process_time() - c) * 1000)
        return {"queries": queries, "ms": ms, "cpu": cpu, "cold": cold}

    out = {"login page": timed(Client(), "/accounts/login/")}
    users = get_user_model().objects
    for who in ROLES:
        c = Client()
        user = users.get(username=who)
        c.force_login(user)
        out[who] = timed(c, "/")
        out[who]["todo"] = dict(Counter(e.kind for e in todo_for(user=users.get(pk=user.pk)).entries))
    return out


def main():
    ap = argparse.ArgumentParser(description="Time every demo role's home page against the login page.")
    ap.add_argument("--orgs", type=int, default=5000)
    ap.add_argument("--members", type=int, default=150000)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--reuse", action="store_true", help="keep /tmp/bench-home.sqlite3 if it exists")
    ap.add_argument(
        "--db", help="with --reuse: another copy of the benchmark database (the script migrates it)"
    )
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        print(json.dumps(inner(a.requests)))
        return
    db = Path(a.db or f"/tmp/bench-{NAME}.sqlite3")
    if a.reuse and db.exists():
        env = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        env.update(DATABASE_URL=f"sqlite:///{db}", DEBUG="True")
        run_timed([PY, "manage.py", "migrate", "-v0"], env)
        built = "reused"
    else:
        env = scratch_env(NAME, "sqlite")
        run_timed([PY, "manage.py", "migrate", "-v0"], env)
        wall, rss, _ = run_timed(
            [PY, "manage.py", "demo_city", "--orgs", str(a.orgs), "--members", str(a.members)], env
        )
        built = f"built in {wall:.0f} s, peak RSS {rss} MiB"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    res = subprocess.run(
        [PY, __file__, "--inner", "--requests", str(a.requests)], env=env, capture_output=True, text=True
    )
    if res.returncode:
        raise SystemExit(res.stderr[-3000:])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"# Home-page benchmark (SQLite)  {time.strftime('%Y-%m-%d %H:%M')}  {machine()}")
    print(f"demo_city --orgs {a.orgs} --members {a.members}: {built}; load average {' '.join(load)}")
    floor = statistics.median(out["login page"]["ms"])
    cpu_floor = statistics.median(out["login page"]["cpu"])
    print(
        "| page | queries | median ms | p99 ms | ÷ login page | CPU ms (median) | CPU ÷ login page "
        "| CPU ms, nothing cached | to-do entries |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in out.items():
        med, cpu = statistics.median(r["ms"]), statistics.median(r["cpu"])
        todo = ", ".join(f"{k} {v}" for k, v in sorted(r.get("todo", {}).items())) or "—"
        print(f"| {name} | {r['queries']} | {med:.1f} | {percentile(r['ms'], 99):.1f} | {med / floor:.2f}× "
              f"| {cpu:.1f} | {cpu / cpu_floor:.2f}× | {statistics.median(r['cold']):.1f} | {todo} |")  # fmt: skip


if __name__ == "__main__":
    main()
