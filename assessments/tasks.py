"""Celery tasks: thin wrappers that take ids and call the scoring engine or a service.

The run's state lives in the database (``ScoreRun``: lease, heartbeat, chunks done, the subjects
fixed at the start). ``acks_late`` + ``reject_on_worker_lost`` make Celery put the message back at
once when the process running it dies (kill -9, the kernel's OOM killer); the redelivered message
carries the same task id, so the engine lets it take the run over without waiting for the
heartbeat to go stale. A database fault hands the run back and the task retries with backoff;
``sweep_stale_runs`` (beat, every minute) re-enqueues whatever is left: stale running runs,
queued runs whose message was lost, and runs failed by a transient fault — up to
``ASSESSMENTS_RUN_MAX_SWEEPS`` times without progress, then the run ends 失败 (a recurring fault).
"""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.jobs import enqueue

from . import recovery, scoring

log = logging.getLogger(__name__)

#: Retries after a database fault, backing off 5 s, 10 s, 20 s … up to 5 minutes (about 16
#: minutes in all); after that the run waits queued for the sweeper, it never fails.
TRANSIENT_RETRIES = 8


def _backoff(retries: int) -> float:
    return min(5 * 2**retries, 300) * random.uniform(0.8, 1.2)


def _limits(name: str, soft_default: int) -> dict:
    soft = int(getattr(settings, name, soft_default))
    return {"soft_time_limit": soft, "time_limit": soft + 60}


@shared_task(
    name="assessments.compute_run",
    ignore_result=True,  # fire and forget: no result-backend round trip when a page enqueues
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=TRANSIENT_RETRIES,
    **_limits("ASSESSMENTS_RUN_TIME_LIMIT", 1800),
)
def compute_run(self, run_id: int) -> str:
    task_id = self.request.id or ""
    retries = self.request.retries
    while True:
        try:
            run = scoring.run_compute(run_id, task_id=task_id)
            return run.status if run else "skipped"
        except scoring.TransientFault as e:
            if retries >= self.max_retries:
                log.warning("score run %s: still no database after %s retries; the sweeper will resume it",
                            run_id, retries)  # fmt: skip
                return "deferred"
            if not (self.request.is_eager or self.request.called_directly):
                raise self.retry(exc=e, countdown=_backoff(retries)) from None
            retries += 1  # eager (tests, the embedded mode): no broker to schedule a retry on


@shared_task(
    name="assessments.sweep_stale_runs", acks_late=True, **_limits("ASSESSMENTS_SWEEP_TIME_LIMIT", 120)
)
def sweep_stale_runs() -> list[int]:
    """Put stuck runs back on the queue; the lease check keeps a slow-but-alive worker safe."""
    ids = []
    count = not recovery.queue_moving()
    for rid, status in scoring.stale_runs().values_list("id", "status"):
        if recovery.sweep_or_give_up(rid, status, count=count):
            ids.append(rid)
            enqueue(compute_run, rid)
    return ids


@shared_task(name="assessments.quarter_end", acks_late=True)
def quarter_end(today: str | None = None) -> list[int]:
    """Beat, 1st and 2nd day of each quarter: compute the quarter just ended (and the half-year/year).
    Returns the started run ids; a period whose year has no published scheme is not silently
    skipped — the reason is logged (``quarter_end_gaps`` gives the same reasons to pages).
    Idempotent: a period that already has a run (queued, running, draft, on notice or published)
    is left alone, so the 2nd's call is a second chance for a 1st that was missed (beat down, a
    container recreated), never a recomputation; a failed run does not count."""
    from datetime import date

    from django.core.exceptions import ValidationError

    from .models import ACTIVE_RUN_STATUSES, RunStatus, ScoreRun
    from .services import kinds_for_period, no_published_scheme, run_start

    today = date.fromisoformat(today) if today else timezone.localdate()
    periods = quarter_end_periods(today)
    done = set(
        ScoreRun.objects.filter(
            period__in=periods, status__in=[*ACTIVE_RUN_STATUSES, RunStatus.PUBLISHED]
        ).values_list("period", "kind")
    )
    started = []
    for p in periods:
        for kind in kinds_for_period(p):
            if (p, kind) in done:
                continue  # computed already (the 1st's run, or the department's)
            reason = no_published_scheme(year=int(p[:4]), kind=kind)
            if reason:
                log.warning("quarter_end %s %s: %s", p, kind, reason)
                continue
            try:
                started.append(run_start(actor=None, period=p, kind=kind).pk)
            except ValidationError as e:
                log.warning("quarter_end %s %s not started: %s", p, kind, "；".join(e.messages))
    return started


def quarter_end_periods(today) -> list[str]:
    """The periods the quarter-end job computes on ``today``: the quarter just ended, and the
    half-year and the year when they end with it."""
    periods = [scoring.previous_quarter(today)]
    y, q = periods[0][:4], periods[0][-1]
    if q in "24":
        periods.append(f"{y}H{int(q) // 2}")
    if q == "4":
        periods.append(y)
    return periods


def quarter_end_gaps(today=None) -> list[dict]:
    """What the quarter-end job could not compute on ``today`` for want of a published scheme:
    ``[{"period", "kind", "reason"}]`` (the department's home page can show these)."""
    from .services import kinds_for_period, no_published_scheme

    today = today or timezone.localdate()
    out = []
    for p in quarter_end_periods(today):
        for kind in kinds_for_period(p):
            reason = no_published_scheme(year=int(p[:4]), kind=kind)
            if reason:
                out.append({"period": p, "kind": kind, "reason": reason})
    return out


@shared_task(name="assessments.escalate_overdue", acks_late=True)
def escalate_overdue() -> int:
    from .services import escalate_overdue as escalate

    return escalate()
