"""The unit report PDF in CPU seconds, ours end to end against naive WeasyPrint + the system font,
interleaved in one process (on a shared machine wall time mostly measures the queue for a core).

Needs the scratch database ``bench/reports_pdf.py --no-batch`` leaves (``/tmp/bench-reports.sqlite3``,
the demo city with published 2023 scores) and its ``/tmp/bench-reports-unit.html``.

    .venv/bin/python bench/reports_pdf_cpu.py [--n 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(n: int):
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-reports.sqlite3")
    os.environ.setdefault("DEBUG", "True")
    import django

    django.setup()
    import weasyprint
    from _naive_worker import NAIVE_CSS

    from branches.models import Organization
    from reports import services

    org = Organization.objects.filter(level="unit", domain="village").order_by("path").first()
    user = services.SystemUser()
    html = Path("/tmp/bench-reports-unit.html").read_text()

    def ours():
        services.unit_report_pdf(user=user, org=org, year=2023)

    def naive():
        weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=NAIVE_CSS)])

    ours(), naive()  # imports, first font registration
    cpu = {"ours": [], "naive": []}
    for _ in range(n):
        for name, fn in (("ours", ours), ("naive", naive)):
            t = time.process_time()
            fn()
            cpu[name].append(time.process_time() - t)
    o, v = statistics.median(cpu["ours"]), statistics.median(cpu["naive"])
    print(f"load average {os.getloadavg()[0]:.1f}; median of {n}, CPU seconds")
    print(f"ours, unit report end to end (queries + template + PDF): {o:.3f} s")
    print(f"naive, same HTML, PDF only: {v:.3f} s → naive / ours = {v / o:.2f}×")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=7, help="interleaved repetitions (default 7)")
    main(ap.parse_args().n)
