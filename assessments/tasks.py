"""Celery tasks: thin wrappers that take ids and call the scoring engine or a service.

With Redis, ``acks_late`` alone is not enough: a task whose worker is SIGKILLed may be redelivered
only after the visibility timeout, or lost, and a task running longer than the timeout is
delivered twice. So the run's state lives in the database (``ScoreRun``: lease, heartbeat,
chunks done), the engine ignores a second delivery while the first holds a fresh lease, and
``sweep_stale_runs`` (beat, every minute) re-enqueues runs whose heartbeat went stale.
"""

from celery import shared_task
from django.utils import timezone

from . import scoring


@shared_task(name="assessments.compute_run", acks_late=True)
def compute_run(run_id: int) -> str:
    run = scoring.run_compute(run_id)
    return run.status if run else "skipped"


@shared_task(name="assessments.sweep_stale_runs", acks_late=True)
def sweep_stale_runs() -> list[int]:
    """Put stuck runs back on the queue; the lease check keeps a slow-but-alive worker safe."""
    ids = list(scoring.stale_runs().values_list("id", flat=True))
    for rid in ids:
        compute_run.delay(rid)
    return ids


@shared_task(name="assessments.quarter_end", acks_late=True)
def quarter_end(today: str | None = None) -> list[int]:
    """Beat, first day of each quarter: compute the quarter just ended (and the half-year/year)."""
    from datetime import date

    from django.core.exceptions import ValidationError

    from .services import kinds_for_period, run_start

    today = date.fromisoformat(today) if today else timezone.localdate()
    periods = [scoring.previous_quarter(today)]
    y, q = periods[0][:4], periods[0][-1]
    if q in "24":
        periods.append(f"{y}H{int(q) // 2}")
    if q == "4":
        periods.append(y)
    started = []
    for p in periods:
        for kind in kinds_for_period(p):
            try:
                started.append(run_start(actor=None, period=p, kind=kind).pk)
            except ValidationError:
                continue  # no published scheme for that year, or already running
    return started


@shared_task(name="assessments.escalate_overdue", acks_late=True)
def escalate_overdue() -> int:
    from .services import escalate_overdue as escalate

    return escalate()
