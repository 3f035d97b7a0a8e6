"""Roster import benchmark: preview and import of a 150,000-row roster, against the peers.

    .venv/bin/python bench/members_import.py [--rows 150000] [--peer-rows 5000] [--engine sqlite|postgres]
                                             [--quick]

Builds a SQLite (or PostgreSQL) database with the demo organization tree (2,000 organizations), writes a
150,000-row .xlsx (and the same rows as a GBK .csv), then runs each measurement in a fresh
subprocess on a fresh copy of the database, reporting wall time, rows/s and the child's peak
resident memory (``ru_maxrss``):

- ours: preview (read + validate), import (read + validate + write), re-import (nothing changes);
- django-import-export's default path and its bulk mode (``use_bulk``), on ``--peer-rows`` rows
  because they are slow; their rows/s is what is extrapolated, and the output says so;
- floor: read the same .xlsx with calamine and insert its rows into a plain 13-column table with
  one prepared statement (SQLite) or a raw ``COPY`` (PostgreSQL) — no validation, no lookups.

With ``--engine postgres`` the template is a scratch database (unique to the run) and each
measurement gets a fresh ``CREATE DATABASE … TEMPLATE`` copy, all dropped at the end.
``--quick`` runs only the floor and the .xlsx preview, import, re-import and update.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


PG = "postgres://postgres@127.0.0.1:5432/"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]


def _url(db) -> str:
    return f"{PG}{db}" if not str(db).endswith(".sqlite3") else f"sqlite:///{db}"


def _django(db):
    os.environ["DATABASE_URL"] = _url(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")
    import django

    django.setup()


def _build(template) -> list[str]:
    """The template database in a child (Django is set up once per process, for one database)."""
    out = subprocess.run([sys.executable, __file__, "--child", "build", "--db", str(template), "--file", "-"],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    if out.returncode:
        print(out.stderr[-3000:])
        raise SystemExit("build failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_db(db) -> list[str]:
    _django(db)
    import random

    from django.core.management import call_command
    from django.db import transaction

    from branches.demo import build_tree

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        ctx = build_tree(rng=random.Random(7), orgs_target=2000, log=lambda *a: None)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    connection.close()  # checkpoints the WAL into the file we copy (SQLite); frees the template (PG)
    return [o.code for o in ctx.leaves]


def write_files(codes: list[str], rows: int, out: Path, phone: str = "13") -> tuple[Path, Path]:
    import csv
    import random
    from datetime import date, timedelta

    from openpyxl import Workbook

    from members.importing import HEADERS
    from members.resident_id import make

    rng = random.Random(11)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员")
    ws.append(HEADERS)
    xlsx, csvp = out / f"roster-{rows}-{phone}.xlsx", out / f"roster-{rows}-{phone}.csv"
    seen = set()
    with open(csvp, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for i in range(rows):
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(18000))
            male = rng.random() < 0.7
            rid = make(rng.choice(["410102", "410103", "410122", "410181"]), birth, rng.randrange(1000), male)
            while rid in seen:
                rid = make("410183", birth, rng.randrange(1000), male)
            seen.add(rid)
            joined = birth.replace(year=birth.year + 20 if birth.month != 2 else birth.year + 20, day=1)
            row = [
                f"党员{i:06d}", "男" if male else "女", "汉族", rid, birth.isoformat(), "本科",
                f"{phone}{rng.randrange(10**9):09d}", joined.isoformat(),
                (joined + timedelta(days=365)).isoformat(), "正式党员", codes[i % len(codes)],
                "是" if rng.random() < 0.8 else "否", "正常",
            ]  # fmt: skip
            ws.append(row)
            w.writerow(row)
    wb.save(xlsx)
    return xlsx, csvp


# --- child measurements ------------------------------------------------------------------------


def child(mode: str, db: Path, path: Path, limit: int) -> dict:
    _django(db)
    t0 = time.perf_counter()
    if mode == "floor":
        from django.db import connection, transaction
        from python_calamine import CalamineWorkbook

        with open(path, "rb") as fh:
            rows = [
                [str(v) for v in r]
                for r in CalamineWorkbook.from_filelike(fh).get_sheet_by_index(0).iter_rows()
            ]
        rows = rows[1:]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "CREATE TABLE bench_floor (" + ", ".join(f"c{i} varchar(40)" for i in range(13)) + ")"
            )
            if connection.vendor == "postgresql":
                with cur.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                cur.executemany(f"INSERT INTO bench_floor VALUES ({', '.join(['%s'] * 13)})", rows)
            cur.execute("DROP TABLE bench_floor")
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"mode": mode, "rows": len(rows), "seconds": elapsed, "rows_per_s": len(rows) / elapsed,
                "peak_mib": peak, "counts": {}, "members_in_db": 0}  # fmt: skip
    if mode in ("preview", "import", "reimport", "update"):
        from branches.policy import SYSTEM
        from members.importing import apply_plan, build_plan

        if mode in ("reimport", "update"):  # first import (not timed), then the same / changed file
            first = path if mode == "reimport" else Path(str(path).replace("-15.xlsx", "-13.xlsx"))
            with open(first, "rb") as fh:
                apply_plan(build_plan(fh, first.name, user=SYSTEM), actor=SYSTEM)
            t0 = time.perf_counter()
        with open(path, "rb") as fh:
            plan = build_plan(fh, path.name, user=SYSTEM)
        assert plan.ok, plan.errors[:5]
        counts = plan.counts
        if mode != "preview":
            counts = apply_plan(plan, actor=SYSTEM)
        n = plan.rows
    else:
        import tablib

        from members.resources import MemberResource

        with open(path, "rb") as fh:
            data = tablib.Dataset().load(fh.read(), format="xlsx")
        if limit:
            data = data.subset(rows=range(limit))
        resource_ = MemberResource(use_bulk=(mode == "iie_bulk"))
        result = resource_.import_data(data, dry_run=False, raise_errors=False)
        assert not result.has_errors() and not result.has_validation_errors(), (
            [e.error for e in result.base_errors][:3],
            [(r.number, r.error_dict) for r in result.invalid_rows][:3],
        )
        counts = dict(result.totals)
        n = len(data)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux → MiB
    from members.models import Member

    return {"mode": mode, "rows": n, "seconds": elapsed, "rows_per_s": n / elapsed, "peak_mib": peak,
            "counts": counts, "members_in_db": Member.objects.count()}  # fmt: skip


def run_child(mode: str, template, path: Path, limit: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as d:
        if str(template).endswith(".sqlite3"):
            db = Path(d) / "bench.sqlite3"
            shutil.copy(template, db)
        else:
            db = f"{template}_{mode}"
            subprocess.run([*PSQL, f"CREATE DATABASE {db} TEMPLATE {template}"], check=True)
        try:
            out = subprocess.run([sys.executable, __file__, "--child", mode, "--db", str(db), "--file", str(path),
                                  "--limit", str(limit)], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        finally:
            if not str(db).endswith(".sqlite3"):
                subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {db}"], check=False)
        if out.returncode:
            print(out.stderr[-3000:])
            raise SystemExit(f"{mode} failed")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=150_000)
    ap.add_argument("--peer-rows", type=int, default=5_000)
    ap.add_argument("--child")
    ap.add_argument("--db")
    ap.add_argument("--file")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument(
        "--quick", action="store_true", help="floor and .xlsx preview/import/re-import/update only"
    )
    a = ap.parse_args()
    if a.child == "build":
        print(json.dumps(build_db(a.db)))
        return
    if a.child:
        print(json.dumps(child(a.child, a.db, Path(a.file), a.limit), ensure_ascii=False, default=str))
        return
    work = Path(tempfile.mkdtemp(prefix="members-bench-"))
    template = work / "template.sqlite3"
    if a.engine == "postgres":
        template = f"bench_roster_{os.getpid()}_{os.urandom(4).hex()}"
        subprocess.run([*PSQL, f"CREATE DATABASE {template}"], check=True)
    try:
        _run(a, work, template)
    finally:
        if a.engine == "postgres":
            subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {template}"], check=False)
        shutil.rmtree(work, ignore_errors=True)


def _run(a, work: Path, template) -> None:
    print(f"# roster import ({a.engine})  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    t = time.perf_counter()
    codes = _build(template)
    _django(template)  # for the file writer's imports; no connection is opened here
    xlsx, csvp = write_files(codes, a.rows, work)
    peer_xlsx, _ = write_files(codes, a.peer_rows, work)  # the first rows of the same roster
    changed_xlsx, _ = write_files(codes, a.rows, work, phone="15")  # every phone number changed
    print(f"准备：{len(codes)} 个基层组织，{a.rows:,} 行，{time.perf_counter() - t:.1f} 秒；"
          f"xlsx {xlsx.stat().st_size / 1048576:.1f} MiB，csv {csvp.stat().st_size / 1048576:.1f} MiB")  # fmt: skip
    runs = [
        ("floor", xlsx, 0), ("preview", xlsx, 0), ("import", xlsx, 0), ("reimport", xlsx, 0),
        ("update", changed_xlsx, 0),
    ] + ([] if a.quick else [
        ("preview", csvp, 0), ("import", csvp, 0), ("iie_default", peer_xlsx, a.peer_rows),
        ("iie_bulk", peer_xlsx, a.peer_rows),
    ])  # fmt: skip
    print(f"{'方式':<14}{'文件':<6}{'行数':>9}{'秒':>8}{'行/秒':>10}{'峰值 MiB':>10}  结果")
    results = {}
    for mode, path, limit in runs:
        r = run_child(mode, template, path, limit)
        results[(mode, path.suffix)] = r
        note = " （样本，按行/秒外推）" if limit else ""
        print(f"{mode:<14}{path.suffix:<6}{r['rows']:>9,}{r['seconds']:>8.2f}{r['rows_per_s']:>10,.0f}"
              f"{r['peak_mib']:>10.0f}  {r['counts']} 库中 {r['members_in_db']:,}{note}")  # fmt: skip
        if limit:
            print(f"{'':<14}外推到 {a.rows:,} 行约需 {a.rows / r['rows_per_s']:.0f} 秒")
    imp, pre = results[("import", ".xlsx")], results[("preview", ".xlsx")]
    floor = results[("floor", ".xlsx")]
    print(f"import = {floor['seconds'] / imp['seconds']:.2f} × the floor's speed ({imp['seconds'] / floor['seconds']:.2f}× "
          f"its time); load {os.getloadavg()[0]:.1f}")  # fmt: skip
    ok = imp["rows_per_s"] >= 10_000 and pre["rows_per_s"] >= imp["rows_per_s"] and imp["peak_mib"] < 500
    print(f"目标（导入 ≥ 10,000 行/秒，预览不慢于导入，峰值 < 500 MiB）：{'达到' if ok else '未达到'}")


if __name__ == "__main__":
    main()
