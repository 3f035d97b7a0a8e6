"""党费 benchmark: a month of dues for the benchmark city from one bank-statement import, and the
city's unpaid list (未交名单).

    .venv/bin/python bench/members_dues.py [--orgs 5000] [--members 150000] [--engine sqlite|postgres]
                                           [--paid 0.9] [--requests 30]

Builds a scratch database (a name unique to this run, dropped at the end) with the organization
tree and the members of the benchmark city, writes one bank statement (.xlsx, bank title lines
above the header) paying a month for ``--paid`` of the current members, then, each in a fresh
process:

- floor: read the same file with calamine and insert the same number of rows with one prepared
  statement (SQLite) or a raw ``COPY`` (PostgreSQL) into a plain table (no validation, no
  lookups) — the least any import of this file can cost here;
- import: ``dues_importing.build_plan`` + ``dues_import_apply`` (read, validate every row against
  the roster, three queries, set-based insert, the batch row and its audit row);
- the unpaid list page of the whole city for the municipal admin through the test client
  (``--requests`` times: median and p99, query count), against a floor of the two cheapest
  statements such a page could make (a COUNT of the city's members and a 50-row page of them).

Bars (issue 11): import ≥ 10,000 rows/s; the unpaid list ≤ 200 ms with a fixed number of queries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import machine, percentile  # noqa: E402


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")
    import django

    django.setup()


def _month():
    """Last month: a statement of this month could not be complete yet."""
    from datetime import date, timedelta

    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def prepare(orgs: int, members: int, paid: float, path: Path) -> dict:
    """Migrate, build the tree and the roster, write the statement. Not timed."""
    _setup()
    import random

    from django.core.management import call_command
    from django.db import transaction
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from branches.demo import build_tree
    from branches.models import Role, RoleKind
    from members import demo
    from members.dues_importing import HEADERS
    from members.models import CURRENT_STATUSES, Member

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    with transaction.atomic():
        ctx = build_tree(rng=random.Random(2023), orgs_target=orgs, log=lambda *a: None)
        ctx.members_target = members
        # Only the roster: the other demo parts (pioneer index, care, dues) are not what is measured.
        demo._pioneer = demo._care = demo.build_dues = demo.build_cards = lambda ctx: None
        demo.build(ctx)
        from django.contrib.auth import get_user_model

        u = get_user_model().objects.create_user("shi", password="bench-pass-2023")
        Role.objects.create(user=u, organization=ctx.city, kind=RoleKind.CITY_ADMIN)
    built = time.perf_counter() - t
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # as autovacuum leaves a loaded city: statistics, visibility map
            cur.execute("VACUUM ANALYZE")
    month = _month()
    rng = random.Random(11)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("交易明细")
    ws.append(["中国建设银行单位账户交易明细"])
    ws.append(["账号：4100 1234 5678 0000 001", "", "币种：人民币"])
    ws.append(HEADERS)
    n = 0
    qs = Member.objects.filter(status__in=CURRENT_STATUSES).values_list("name", "resident_id").order_by("pk")
    for name, rid in qs.iterator(chunk_size=5000):
        if rng.random() >= paid:
            continue
        n += 1
        c = WriteOnlyCell(ws, value=rid)
        c.number_format = "@"
        ws.append([name, c, rng.choice(["15.00", "30.00", "0.20", "120.00", "50.00"]),
                   month.replace(day=rng.randint(1, 25)).isoformat(), f"{month:%Y-%m}", f"DF{n:010d}"])  # fmt: skip
    wb.save(path)
    from branches.models import Organization

    return {"orgs": Organization.objects.count(), "members": Member.objects.count(),
            "current": Member.objects.filter(status__in=CURRENT_STATUSES).count(), "rows": n,
            "build_s": built, "month": f"{month:%Y-%m}", "file_mib": path.stat().st_size / 1048576}  # fmt: skip


def floor(path: Path) -> dict:
    """Read the file and insert as many plain rows with one prepared statement: the least cost."""
    _setup()
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    with open(path, "rb") as fh:
        rows = [r for r in CalamineWorkbook.from_filelike(fh).get_sheet_by_index(0).iter_rows()][3:]
    read = time.perf_counter() - t
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_floor (a varchar(40), b varchar(20), c varchar(20), d varchar(20), "
                    "e varchar(10), f varchar(20))")  # fmt: skip
        if connection.vendor == "postgresql":  # a raw COPY of the same rows
            with cur.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([str(v) for v in r[:6]])
        else:
            sql = "INSERT INTO bench_floor VALUES (%s, %s, %s, %s, %s, %s)"
            cur.executemany(sql, [[str(v) for v in r[:6]] for r in rows])
        cur.execute("DROP TABLE bench_floor")
    total = time.perf_counter() - t
    return {"rows": len(rows), "seconds": total, "read_s": read}


def do_import(path: Path) -> dict:
    _setup()
    import resource

    from branches.policy import SYSTEM
    from members import dues_importing, dues_services
    from members.dues import DuesPayment

    t = time.perf_counter()
    with open(path, "rb") as fh:
        plan = dues_importing.build_plan(fh, path.name, user=SYSTEM)
    assert plan.ok, [str(e) for e in plan.errors[:5]]
    validated = time.perf_counter() - t
    from django.db import transaction

    from config.dbstats import analyze_after_bulk_load

    with transaction.atomic():  # as the confirm does: the write, then statistics once it commits
        dues_services.dues_import_apply(plan, actor=SYSTEM, filename=path.name)
        analyze_after_bulk_load(DuesPayment, rows=plan.new_count)
    total = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": plan.rows, "new": len(plan.new), "seconds": total, "validate_s": validated,
            "rows_per_s": plan.rows / total, "peak_mib": peak, "in_db": DuesPayment.objects.count()}  # fmt: skip


def unpaid(requests: int, month: str) -> dict:
    _setup()
    from django.contrib.auth import get_user_model
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branches.models import Organization

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    c = Client()
    c.force_login(get_user_model().objects.get(username="shi"))
    root = Organization.objects.get(depth=1)
    url = f"/members/dues/?org={root.pk}&month={month}"
    assert c.get(url).status_code == 200
    with CaptureQueriesContext(connection) as q:
        resp = c.get(url)
    n_queries = len(q.captured_queries)
    last = c.get(url + "&page=last")
    ms = []
    for _ in range(requests):
        t = time.perf_counter()
        c.get(url)
        ms.append((time.perf_counter() - t) * 1000)
    floor_ms = []
    with connection.cursor() as cur:
        for _ in range(requests):
            t = time.perf_counter()
            cur.execute("SELECT COUNT(*) FROM members_member")
            cur.fetchall()
            cur.execute("SELECT id, name, organization_id FROM members_member ORDER BY id LIMIT 50")
            cur.fetchall()
            floor_ms.append((time.perf_counter() - t) * 1000)
    from members.dues_selectors import month_counts

    assert resp.status_code == 200
    y, m = month.split("-")
    counts = month_counts(org_path=root.path, month=__import__("datetime").date(int(y), int(m), 1))
    return {"queries": n_queries, "ms": ms, "floor_ms": floor_ms, "due": counts.due, "paid": counts.paid,
            "unpaid": counts.unpaid, "last_page_status": last.status_code}  # fmt: skip


def _child(env: dict, *args) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)  # fmt: skip
    ap.add_argument("--orgs", type=int, default=5000, help="organizations in the city (default 5000)")
    ap.add_argument("--members", type=int, default=150_000, help="members (default 150000)")
    ap.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--paid", type=float, default=0.9, help="share of current members in the statement")
    ap.add_argument("--requests", type=int, default=30, help="timed requests of the unpaid list")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--arg", action="append", default=[], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        fn = {"prepare": lambda: prepare(a.orgs, a.members, a.paid, Path(a.arg[0])),
              "floor": lambda: floor(Path(a.arg[0])), "import": lambda: do_import(Path(a.arg[0])),
              "unpaid": lambda: unpaid(a.requests, a.arg[0])}[a.child]  # fmt: skip
        print(json.dumps(fn(), default=str))
        return

    tag = f"dues_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix=f"bench-{tag}-"))
    statement = work / "statement.xlsx"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env["DEBUG"] = "True"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_dev"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    if a.engine == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    else:
        subprocess.run([*psql, f"CREATE DATABASE bench_{tag}"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/bench_{tag}"
    common = [
        "--orgs",
        str(a.orgs),
        "--members",
        str(a.members),
        "--paid",
        str(a.paid),
        "--requests",
        str(a.requests),
    ]
    try:
        print(
            f"# 党费 benchmark ({a.engine})  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {machine()}"
        )
        p = _child(env, "--child", "prepare", "--arg", str(statement), *common)
        print(f"city: {p['orgs']:,} organizations, {p['members']:,} members ({p['current']:,} current), built in {p['build_s']:.1f} s; "
              f"statement for {p['month']}: {p['rows']:,} rows, {p['file_mib']:.1f} MiB")  # fmt: skip
        f = _child(env, "--child", "floor", "--arg", str(statement), *common)
        r = _child(env, "--child", "import", "--arg", str(statement), *common)
        ratio = r["seconds"] / f["seconds"]
        print(f"floor (read + one prepared insert / raw COPY): {f['rows']:,} rows in {f['seconds']:.2f} s "
              f"({f['rows'] / f['seconds']:,.0f} rows/s; reading {f['read_s']:.2f} s)")  # fmt: skip
        print(f"import (read + validate + write): {r['rows']:,} rows in {r['seconds']:.2f} s = "
              f"{r['rows_per_s']:,.0f} rows/s (validated in {r['validate_s']:.2f} s), peak {r['peak_mib']:.0f} MiB, "
              f"{ratio:.2f}× the floor; bar ≥ 10,000 rows/s: {'met' if r['rows_per_s'] >= 10_000 else 'NOT met'}")  # fmt: skip
        u = _child(env, "--child", "unpaid", "--arg", p["month"], *common)
        med, p99 = statistics.median(u["ms"]), percentile(u["ms"], 99)
        fmed = statistics.median(u["floor_ms"])
        print(f"unpaid list of the city ({u['due']:,} due, {u['paid']:,} paid, {u['unpaid']:,} unpaid): "
              f"{u['queries']} queries, median {med:.1f} ms, p99 {p99:.1f} ms (n={len(u['ms'])}); "
              f"floor median {fmed:.1f} ms → {med / fmed:.1f}× the floor; bar ≤ 200 ms: "
              f"{'met' if p99 <= 200 else ('median met, p99 not' if med <= 200 else 'NOT met')}")  # fmt: skip
    finally:
        for x in work.iterdir():
            x.unlink()
        work.rmdir()
        if a.engine == "postgres":
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS bench_{tag}"], check=False)


if __name__ == "__main__":
    main()
