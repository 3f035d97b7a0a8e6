"""Builders for report tests: annual results published through the assessments services."""

from datetime import date

from assessments import services as assessment_services
from assessments.models import SchemeKind
from assessments.scoring import run_compute
from tests.assessments.helpers import checklist, make_scheme


def publish_annual(units, year=2023, done=((8, 10), (5, 10), (9, 10))):
    """Checklist data for ``units`` and a published annual run; returns ``{org_id: total}``."""
    make_scheme(year=year, kind=SchemeKind.ANNUAL)
    for u, (a, t) in zip(units, done, strict=False):
        checklist(u, month=date(year, 3, 1), accepted=a, total=t, year=year)
    run = assessment_services.run_start(actor=None, period=str(year), kind=SchemeKind.ANNUAL, enqueue=False)
    run_compute(run.pk)
    assessment_services.run_publish(actor=None, run=run)
    return {r.organization_id: r.total for r in run.results.all()}
