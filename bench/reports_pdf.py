"""Year-end report PDFs: one unit report (median of 10), a 10-page unit report, the city summary,
the naive WeasyPrint + system-font path (with and without HarfBuzz subsetting) in the same run,
and the batch for the demo city with 2 Celery workers (PostgreSQL + Redis db 7).

    .venv/bin/python bench/reports_pdf.py            # everything (needs PostgreSQL and Redis)
    .venv/bin/python bench/reports_pdf.py --no-batch # the renders only
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, machine, run_timed, scratch_env  # noqa: E402
from _naive_worker import NAIVE_CSS  # noqa: E402

YEAR = 2023


# --- inner stages (run in a subprocess with the scratch database) ------------------------------------


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")
    import django

    django.setup()


def _unit():
    from branches.models import Organization

    return (
        Organization.objects.select_related("township")
        .filter(level="unit", domain="village")
        .order_by("path")
        .first()
    )


def _ten_page_ctx(user, org):
    """The unit's real report context plus a year of findings (150 rows): about 10 pages."""
    from datetime import date, timedelta

    from reports import charts, selectors

    ctx = selectors.unit_report(user=user, org=org, year=YEAR)
    rows = [
        {"found_on": date(YEAR, 1, 3) + timedelta(days=i * 2), "problem": f"第{i + 1}项：三会一课记录不完整，主题党日签到表缺页，党费收缴台账未按月更新。",
         "deadline": date(YEAR, 2, 1) + timedelta(days=i * 2), "get_status_display": "已销号", "closed_on_time": True,
         "answer": "已补齐记录并建立月度核对制度，由支部组织委员负责。"}
        for i in range(150)
    ]  # fmt: skip
    ctx["findings"] = {"rows": rows, "total": 150, "closed": 150, "on_time": 150, "on_time_rate": 100}
    ctx["charts"] = charts.unit_charts(ctx)
    return ctx


def _pages(data: bytes) -> int:
    import re
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    m = re.search(r"Pages:\s+(\d+)", out)
    return int(m.group(1)) if m else 0


def _median_of(fn, n):
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def inner_ours():
    _setup_django()
    from django.template.loader import render_to_string

    from reports import pdf, selectors, services

    user = services.SystemUser()
    org = _unit()
    city = selectors.city_root()
    t = time.perf_counter()
    services.unit_report_pdf(user=user, org=org, year=YEAR)
    cold = time.perf_counter() - t
    unit_s, data = _median_of(lambda: services.unit_report_pdf(user=user, org=org, year=YEAR), 10)
    html10 = render_to_string("reports/pdf/unit_report.html", _ten_page_ctx(user, org))
    ten_s, data10 = _median_of(
        lambda: pdf.render_pdf("reports/pdf/unit_report.html", _ten_page_ctx(user, org)), 10
    )
    city_s, datac = _median_of(lambda: services.summary_pdf(user=user, org=city, year=YEAR), 3)
    Path("/tmp/bench-reports-10page.html").write_text(html10)
    from reports import charts, selectors

    ctx = selectors.unit_report(user=user, org=org, year=YEAR)
    ctx["charts"] = charts.unit_charts(ctx)
    Path("/tmp/bench-reports-unit.html").write_text(render_to_string("reports/pdf/unit_report.html", ctx))
    print(json.dumps({"cold": cold, "unit": unit_s, "unit_pages": _pages(data), "ten": ten_s,
                      "ten_pages": _pages(data10), "city": city_s, "city_pages": _pages(datac)}))  # fmt: skip


def inner_ours_nohb():
    """Ours where libharfbuzz-subset is missing: fontTools subsets our 5 MB GBK font instead."""
    _setup_django()
    import weasyprint.pdf.fonts as wf

    from reports import pdf, services

    wf.harfbuzz_subset = None
    user, org = services.SystemUser(), _unit()
    html10 = Path("/tmp/bench-reports-10page.html").read_text()
    pdf.html_to_pdf(html10)
    ten, _ = _median_of(lambda: pdf.html_to_pdf(html10), 3)
    unit, _ = _median_of(lambda: services.unit_report_pdf(user=user, org=org, year=YEAR), 3)
    print(json.dumps({"ten": ten, "unit": unit}))


def inner_naive(no_hb: bool):
    """What a first attempt does: system Noto via fontconfig, default fetcher, fresh config each time."""
    _setup_django()
    import weasyprint

    if no_hb:
        import weasyprint.pdf.fonts as wf

        wf.harfbuzz_subset = None  # as on Debian 12 without libharfbuzz-subset0
    out = {}
    for key, name in (("unit", "unit"), ("naive", "10page")):
        html = Path(f"/tmp/bench-reports-{name}.html").read_text()

        def render(html=html):
            return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=NAIVE_CSS)])

        n = 3 if no_hb else 10
        out[key], data = _median_of(render, n)
        out[f"{key}_pages"] = _pages(data)
        out["n"] = n
    out["pages"] = out["naive_pages"]
    print(json.dumps(out))


def inner_batch():
    _setup_django()
    from django.db import transaction

    from branches.policy import SYSTEM
    from reports import selectors, services
    from reports.models import BatchStatus, ReportFile

    city = selectors.city_root()
    t = time.perf_counter()
    with transaction.atomic():
        batch = services.batch_start(actor=SYSTEM, org=city, year=YEAR, chunk_size=8)
    while True:
        batch.refresh_from_db()
        if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
            break
        time.sleep(0.5)
    wall = time.perf_counter() - t
    per = [s for s in ReportFile.objects.filter(batch=batch).values_list("seconds", flat=True)]
    print(json.dumps({"wall": wall, "n": batch.total, "status": batch.status, "median_file": statistics.median(per),
                      "archives": batch.archives.count()}))  # fmt: skip


# --- orchestration ---------------------------------------------------------------------------------------


def manage(env, *args):
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-2000:])
    return out.stdout


def main():
    batch = "--no-batch" not in sys.argv
    env = scratch_env("reports", "postgres" if batch else "sqlite")
    env["MEDIA_ROOT"] = "/tmp/bench-reports-media"
    env["REDIS_URL"] = env["CELERY_BROKER_URL"] = env["CELERY_RESULT_BACKEND"] = "redis://127.0.0.1:6379/7"
    env["CELERY_TASK_ALWAYS_EAGER"] = "False"
    env["LOG_LEVEL"] = "WARNING"
    print(machine())
    manage(env, "migrate", "-v0")
    t = time.perf_counter()
    manage(env, "demo_city")
    manage(env, "seed_schemes", "--year", str(YEAR))
    for period, kind in [(str(YEAR), "annual"), *[(f"{YEAR}Q{q}", "supervision") for q in range(1, 5)]]:
        manage(env, "compute_scores", "--period", period, "--kind", kind)
    manage(env, "shell", "-c", "from assessments.models import ScoreRun\nfrom assessments import services\n"
           "[services.run_publish(actor=None, run=r) for r in ScoreRun.objects.filter(status='draft')]")  # fmt: skip
    print(f"demo city with published {YEAR} scores: {time.perf_counter() - t:.1f} s")

    wall, rss, out = run_timed([PY, __file__, "--inner", "ours"], env)
    ours = json.loads(out.strip().splitlines()[-1])
    print(f"ours: first report in a fresh process {ours['cold']:.2f} s (font registration, CSS parse)")
    print(f"ours: unit report ({ours['unit_pages']} pages) median of 10: {ours['unit']:.2f} s")
    print(f"ours: 10-page unit report ({ours['ten_pages']} pages) median of 10: {ours['ten']:.2f} s")
    print(f"ours: city summary ({ours['city_pages']} pages) median of 3: {ours['city']:.2f} s")
    print(f"ours: peak RSS of the process (all of the above) {rss} MiB")
    _, rss_n, out = run_timed([PY, __file__, "--inner", "naive"], env)
    naive = json.loads(out.strip().splitlines()[-1])
    print(f"naive (system Noto Sans CJK, HarfBuzz subset): same 10-page HTML ({naive['pages']} pages) "
          f"median of {naive['n']}: {naive['naive']:.2f} s; same unit report HTML ({naive['unit_pages']} pages) "
          f"{naive['unit']:.2f} s (PDF only, no query); peak RSS {rss_n} MiB")  # fmt: skip
    _, rss_h, out = run_timed([PY, __file__, "--inner", "naive-nohb"], env)
    nohb = json.loads(out.strip().splitlines()[-1])
    print(f"naive without libharfbuzz-subset (fontTools fallback), median of {nohb['n']}: 10-page {nohb['naive']:.2f} s, "
          f"unit report {nohb['unit']:.2f} s; peak RSS {rss_h} MiB")  # fmt: skip
    _, rss_o, out = run_timed([PY, __file__, "--inner", "ours-nohb"], env)
    onohb = json.loads(out.strip().splitlines()[-1])
    print(f"ours without libharfbuzz-subset, median of 3: 10-page {onohb['ten']:.2f} s, unit report "
          f"{onohb['unit']:.2f} s; peak RSS {rss_o} MiB")  # fmt: skip
    if not batch:
        return
    ours_cmd = [PY, "-m", "celery", "-A", "config", "worker", "-c", "2", "--loglevel", "WARNING",
                "-n", f"bench-reports-{os.getpid()}@%h"]  # fmt: skip
    naive_cmd = [PY, str(Path(__file__).with_name("_naive_worker.py"))]
    for label, cmd in (("ours", ours_cmd), ("naive (system font, HarfBuzz subset)", naive_cmd)):
        b = run_batch(env, cmd)
        print(f"batch, {label}, 2 workers: {b['n']} unit reports in {b['wall']:.1f} s → "
              f"{b['wall'] / b['n']:.2f} s/report, {60 * b['n'] / b['wall']:.0f} reports/min; "
              f"median per file {b['median_file']:.2f} s; {b['archives']} township zips; {b['status']}")  # fmt: skip
    print(f"naive without libharfbuzz-subset, estimated from its unit-report time: "
          f"{60 * 2 / nohb['unit']:.0f} reports/min at best")  # fmt: skip


def run_batch(env, cmd) -> dict:
    worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # fmt: skip
    try:
        time.sleep(4)
        _, _, out = run_timed([PY, __file__, "--inner", "batch"], env)
        return json.loads(out.strip().splitlines()[-1])
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def _args():
    """``--help`` prints the options and exits before anything runs (``--inner`` is internal)."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--no-batch", action="store_true", help="only the renders (SQLite; no PostgreSQL, Redis, Celery)"
    )
    ap.add_argument(
        "--inner", choices=("ours", "naive", "naive-nohb", "batch", "ours-nohb"), help=argparse.SUPPRESS
    )
    return ap.parse_args()


if __name__ == "__main__":
    _args()
    if "--inner" in sys.argv:
        stage = sys.argv[sys.argv.index("--inner") + 1]
        {"ours": inner_ours, "naive": lambda: inner_naive(False), "naive-nohb": lambda: inner_naive(True),
         "batch": inner_batch, "ours-nohb": inner_ours_nohb}[stage]()  # fmt: skip
    else:
        main()
