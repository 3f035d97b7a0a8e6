"""Load test (issue 15): the benchmark city on PostgreSQL behind gunicorn as docker-compose runs it
(DEBUG off, Redis cache), a bounded closed-loop generator on loopback.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/pb_perf_city \\
        --redis-url redis://127.0.0.1:6379/8 --port 8108 [--users 10,50,200] [--duration 30]
    .venv/bin/python bench/load.py --database-url … --build-only      # build (or check) the city only

The city (``demo_city --orgs 5000 --members 150000``, several minutes of both cores) is built into
``--database-url`` when that database has no organizations, and reused as it is otherwise. The
run adds its accounts there once (``bench-cun-NN`` 村党组织书记 of 40 villages, ``bench-zhen-NN``
of 12 townships, ``bench-shi-NN`` of the department, through ``branches.services.role_grant``) and
the progress reports its POSTs write (状态“推进中”; they are the load, and they stay).

Mix 7:2:1 of virtual users — village secretaries (home, checklist, report POST), townships (home,
matrix), the department (home, ranking, dashboard, assessments) — each a closed loop: one request
at a time, the next when the answer is read (after ``--think`` seconds in the think-time phase).
Phases at each user count: the login page alone (anonymous GET: the ceiling of this server on this
machine, measured in the same run), the mix without think time (req/s, share of the ceiling), the
mix with think time (p50/p95/p99 per page). Nothing but loopback HTTP: http.client in threads.

Per run: a scratch directory (static files, gunicorn's logs), its own cache key prefix in Redis
and its own sessions — all removed at the end, also on Ctrl-C. The load average is printed with
every ratio (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import PY, ROOT, load_average, machine, percentile  # noqa: E402
from bench.load_gen import drive  # noqa: E402

VILLAGES, TOWNSHIPS, DEPARTMENT = 40, 12, 3


# --- the database side (a Django subprocess) ------------------------------------------------------


def _django():
    import django

    django.setup()


def prepare() -> dict:
    """Accounts, their sessions for this run and the items the villages report on (JSON out)."""
    _django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from branches.models import Level, Organization, OrgStatus, Role, RoleKind
    from branches.policy import SYSTEM
    from branches.services import role_grant
    from pilot.models import ChecklistItem, ItemStatus

    User = get_user_model()
    city = Organization.objects.filter(depth=1).order_by("path").first()
    today = timezone.localdate()
    month = today.replace(day=1)
    villages = list(
        Organization.objects.filter(level=Level.UNIT, status=OrgStatus.ACTIVE, domain__in=["village", "community"],
                                    checklist_items__period=month)
        .distinct().order_by("path")[:: 7][:VILLAGES]
    )  # fmt: skip
    townships = list(Organization.objects.filter(level=Level.TOWNSHIP).order_by("path")[::3][:TOWNSHIPS])

    from django.contrib.auth import load_backend

    # the backend that reads a session's user (axes' backend only checks sign-ins)
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(b), "get_user"))

    def account(username, org, kind, **flags):
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": "负载测试"})
        if created:
            user.set_unusable_password()  # sessions only: nobody signs in as a bench account
            user.save()
        if not Role.objects.filter(user=user, organization=org, kind=kind).exists():
            role_grant(actor=SYSTEM, user=user, organization=org, kind=kind, **flags)
        s = SessionStore()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), backend
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return s.session_key

    out = {"city": city.pk, "village": [], "township": [], "department": [], "sessions": []}
    for i, v in enumerate(villages, 1):
        key = account(f"bench-cun-{i:02d}", v, RoleKind.UNIT_SECRETARY)
        items = list(
            ChecklistItem.objects.filter(organization=v, period=month)
            .exclude(status=ItemStatus.ACCEPTED).values_list("pk", flat=True)[:5]
        )  # fmt: skip
        out["village"].append({"session": key, "items": items})
    for i, t in enumerate(townships, 1):
        out["township"].append({"session": account(f"bench-zhen-{i:02d}", t, RoleKind.TOWNSHIP_SECRETARY)})
    for i in range(1, DEPARTMENT + 1):
        key = account(f"bench-shi-{i:02d}", city, RoleKind.CITY_ADMIN, can_export=True)
        out["department"].append({"session": key})
    out["sessions"] = [u["session"] for k in ("village", "township", "department") for u in out[k]]
    return out


def forget_sessions(keys: list[str]) -> None:
    _django()
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=keys).delete()


def dev_keys() -> dict:
    """The resident-ID keys the city was built with (DEBUG's development keys, derived from the
    development secret): the production-mode server needs them to read the rows."""
    _django()
    from django.conf import settings

    return {
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
    }


def _manage(env, *args, timeout=None) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=timeout)  # fmt: skip
    if out.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def _inner(env, what: str, arg=None):
    out = subprocess.run([PY, __file__, "--inner", what, *([json.dumps(arg)] if arg is not None else [])],
                         cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_city(env) -> str:
    """Build the benchmark city into the database unless it has one; returns what was done."""
    _manage(env, "migrate", "-v0")
    has = _manage(
        env, "shell", "-c", "from branches.models import Organization; print(Organization.objects.count())"
    )
    n = int(has.strip().splitlines()[-1])
    if n >= 5000:
        return f"reused ({n} organizations)"
    if n:
        raise SystemExit(f"the database has {n} organizations but is not a benchmark city: use another one")
    t = time.perf_counter()
    _manage(env, "demo_city", "--orgs", "5000", "--members", "150000")
    return f"built in {time.perf_counter() - t:.0f} s"


# --- the server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port: int, a, scratch: str) -> subprocess.Popen:
    cmd = [os.path.join(os.path.dirname(PY), "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(a.workers), "--worker-class", a.worker_class, "--threads", str(a.threads),
           "--timeout", "120", "--graceful-timeout", "30", "--access-logfile", os.path.join(scratch, "access.log"),
           "--error-logfile", os.path.join(scratch, "error.log")]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz/", headers={"Host": "127.0.0.1"})
            if c.getresponse().status in (200, 503):
                return proc
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            with open(os.path.join(scratch, "error.log")) as fh:
                raise SystemExit(f"gunicorn exited: {fh.read()[-2000:]}")
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(proc: subprocess.Popen | None):
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn and its workers, nothing else
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def drop_cache_keys(redis_url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    n = 0
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        n += client.delete(key)
    return n


# --- report -------------------------------------------------------------------------------------


def _rate(res) -> float:
    return res["n"] / res["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])  # fmt: skip
    ap.add_argument("--database-url", help="PostgreSQL database of the benchmark city (built if empty)")
    ap.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="the cache's Redis (keys: a per-run prefix)"
    )
    ap.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--users", default="10,50,200", help="virtual users, comma-separated (default 10,50,200)")
    ap.add_argument(
        "--duration", type=float, default=30, help="seconds per phase without think time (default 30)"
    )
    ap.add_argument(
        "--think-duration", type=float, default=60, help="seconds per think-time phase (default 60)"
    )
    ap.add_argument("--think", type=float, default=5, help="mean think time, seconds (default 5)")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--worker-class", default="gthread", help="as docker-compose: gthread (or sync)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--phases", default="ceiling,nothink,think", help="which phases (default all three)")
    ap.add_argument("--build-only", action="store_true", help="build (or check) the city and stop")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--keep-logs", action="store_true", help="keep gunicorn's access and error logs")
    ap.add_argument("--inner", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        what = a.inner[0]
        arg = json.loads(a.inner[1]) if len(a.inner) > 1 else None
        result = {"prepare": prepare, "dev_keys": dev_keys}.get(what)
        print(json.dumps(result() if result else forget_sessions(arg)))
        return
    if not (a.database_url or "").startswith("postgres"):
        raise SystemExit("the load test runs on PostgreSQL (--database-url postgres://…)")

    run_id = f"load{os.getpid()}{uuid.uuid4().hex[:6]}"
    scratch = tempfile.mkdtemp(prefix=f"bench-{run_id}-")
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL")}  # fmt: skip
    build_env = {
        **base,
        "DATABASE_URL": a.database_url,
        "DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    proc = None
    plan = None
    prefix = f"bench-{run_id}"
    try:
        print(f"# Load test  {time.strftime('%Y-%m-%d %H:%M')}  {machine()}", flush=True)
        print(f"city: {ensure_city(build_env)}; load average {load_average()}", flush=True)
        if a.build_only:
            return
        keys = _inner(build_env, "dev_keys")
        secret = uuid.uuid4().hex * 2  # this run's: the sessions prepared below are signed with it
        plan = _inner({**build_env, **keys, "SECRET_KEY": secret}, "prepare")
        port = a.port or _free_port()
        env = {**base, **keys, "DATABASE_URL": a.database_url, "DEBUG": "False", "SECRET_KEY": secret,
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
               "CACHE_URL": a.redis_url, "CACHE_KEY_PREFIX": prefix, "STATIC_ROOT": os.path.join(scratch, "static"),
               "DJANGO_SETTINGS_MODULE": "config.settings", "SECURE_HSTS_SECONDS": "0"}  # fmt: skip
        _manage(env, "collectstatic", "--noinput", "-v0")
        proc = start_server(env, port, a, scratch)
        print(f"gunicorn: {a.workers} × {a.worker_class}" + (f" ({a.threads} threads)" if a.worker_class == "gthread" else "")
              + f" on 127.0.0.1:{port}, DEBUG off, Redis cache {a.redis_url} prefix {prefix}", flush=True)  # fmt: skip
        # one pass over every page first: the server's imports, templates and caches as after a morning
        drive(port, plan, 10, 5, 0, None, seed=1)
        users = [int(u) for u in a.users.split(",")]
        phases = a.phases.split(",")
        results: dict = {}
        for n in users:
            if "ceiling" in phases:
                results[("login", n)] = drive(port, plan, n, a.duration, 0, "login", seed=n)
                print(
                    f"  login page, {n} users: {_rate(results[('login', n)]):.0f} req/s; load {load_average()}",
                    flush=True,
                )
            if "nothink" in phases:
                results[("mix", n)] = drive(port, plan, n, a.duration, 0, None, seed=n)
                r = results[("mix", n)]
                print(f"  mix, {n} users, no think time: {_rate(r):.1f} req/s, {sum(r['errors'].values())} errors "
                      f"{r['statuses'] or ''}; load {load_average()}", flush=True)  # fmt: skip
            if "think" in phases:
                results[("think", n)] = drive(port, plan, n, a.think_duration, a.think, None, seed=n)
                r = results[("think", n)]
                print(f"  mix, {n} users, think {a.think:g} s: {_rate(r):.1f} req/s, {sum(r['errors'].values())} errors "
                      f"{r['statuses'] or ''}; load {load_average()}", flush=True)  # fmt: skip
        report(results, users, a)
        if a.json:
            with open(a.json, "w") as fh:
                json.dump({f"{k[0]}:{k[1]}": v for k, v in results.items()}, fh)
    finally:
        stop_server(proc)
        if plan:
            with contextlib.suppress(SystemExit):
                _inner(build_env, "forget", plan["sessions"])
        with contextlib.suppress(Exception):
            drop_cache_keys(a.redis_url, prefix)
        if a.keep_logs:
            print(f"gunicorn's logs kept in {scratch}")
            shutil.rmtree(os.path.join(scratch, "static"), ignore_errors=True)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _pcts(ms: list[float]) -> str:
    return f"{percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {percentile(ms, 99):.0f}"


def report(results: dict, users: list[int], a):
    print(f"\nload average at the end: {load_average()}")
    if any(k[0] == "mix" for k in results):
        print("\n## Without think time (closed loop, one request at a time per user)\n")
        print(
            "| users | login page req/s (ceiling) | mix req/s | mix / ceiling | errors | mix p50 / p99 ms | generator CPU |"
        )
        print("|---|---|---|---|---|---|---|")
        for n in users:
            mix, login = results.get(("mix", n)), results.get(("login", n))
            if not mix:
                continue
            all_ms = [x for v in mix["samples"].values() for x in v]
            ceiling = _rate(login) if login else float("nan")
            print(f"| {n} | {ceiling:.0f} | {_rate(mix):.1f} | {_rate(mix) / ceiling:.1%} | {sum(mix['errors'].values())} "
                  f"| {percentile(all_ms, 50):.0f} / {percentile(all_ms, 99):.0f} | {mix['generator_cpu_s'] / mix['seconds']:.0%} |")  # fmt: skip
        print("\nPer page without think time (req/s of the page in the mix; p50 ms):\n")
        labels = sorted({lab for k, v in results.items() if k[0] == "mix" for lab in v["samples"]})
        print("| page | " + " | ".join(f"{n} users" for n in users if ("mix", n) in results) + " |")
        print("|---|" + "---|" * sum(1 for n in users if ("mix", n) in results))
        for lab in labels:
            cells = []
            for n in users:
                r = results.get(("mix", n))
                if r:
                    ms = r["samples"].get(lab, [])
                    cells.append(
                        f"{len(ms) / r['seconds']:.1f} req/s, p50 {statistics.median(ms):.0f}" if ms else "—"
                    )
            print(f"| {lab} | " + " | ".join(cells) + " |")
    if any(k[0] == "think" for k in results):
        print(f"\n## With think time (mean {a.think:g} s, exponential): p50 | p95 | p99 ms per page\n")
        print(
            "| page | "
            + " | ".join(f"{n} users p50 | p95 | p99" for n in users if ("think", n) in results)
            + " |"
        )
        print("|---|" + "---|---|---|" * sum(1 for n in users if ("think", n) in results))
        labels = sorted({lab for k, v in results.items() if k[0] == "think" for lab in v["samples"]})
        for lab in [*labels, "all pages"]:
            cells = []
            for n in users:
                r = results.get(("think", n))
                if r:
                    ms = ([x for v in r["samples"].values() for x in v] if lab == "all pages"
                          else r["samples"].get(lab, []))  # fmt: skip
                    cells.append(_pcts(ms) if ms else "— | — | —")
            print(f"| {lab} | " + " | ".join(cells) + " |")
        print("\n| users | req/s | errors |\n|---|---|---|")
        for n in users:
            r = results.get(("think", n))
            if r:
                print(f"| {n} | {_rate(r):.1f} | {sum(r['errors'].values())} |")


if __name__ == "__main__":
    main()
