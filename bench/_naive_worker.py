"""A Celery worker whose report renderer is the naive path (for bench/reports_pdf.py only):
system Noto Sans CJK through fontconfig, a fresh font configuration and stylesheet per report,
WeasyPrint's default URL fetcher. Everything else (queries, templates, batch) is the app's own."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_dev")

NAIVE_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; } }
html { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
table { width: 100%; border-collapse: collapse; } th, td { border: 0.5pt solid #777; padding: 1mm; }
thead { display: table-header-group; }
"""


def naive_html_to_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=NAIVE_CSS)])


if __name__ == "__main__":
    import django

    django.setup()
    from reports import pdf

    pdf.html_to_pdf = naive_html_to_pdf
    from config.celery import app

    app.worker_main(["worker", "-c", "2", "--loglevel", "WARNING", "-n", f"bench-naive-{os.getpid()}@%h"])
