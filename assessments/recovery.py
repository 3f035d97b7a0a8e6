"""Recovery of scoring runs by the sweeper (beat, every minute): a stale run is sent again, but a
fault that keeps coming back ends the run 失败 instead of being retried forever.

The engine (``scoring``) resets ``ScoreRun.sweeps`` whenever a chunk is written, so only sweeps
without progress count: a big run interrupted now and then by an outage still finishes.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .models import RunFailure, RunStatus, ScoreRun
from .scoring import requeue_transient_failure, stale_after

log = logging.getLogger(__name__)


def max_sweeps() -> int:
    return int(getattr(settings, "ASSESSMENTS_RUN_MAX_SWEEPS", 5))


def queue_moving() -> bool:
    """Some run is being computed right now (a fresh heartbeat): a queued run may simply be
    waiting its turn behind it (the quarter-end job starts the quarter, the half-year and the
    year at once), so this sweep does not count toward the cap."""
    cutoff = timezone.now() - stale_after()
    return ScoreRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__gte=cutoff).exists()


def sweep_or_give_up(run_id: int, status: str, *, count: bool = True) -> bool:
    """The sweeper's step for one stale run: count the sweep (unless ``count`` is false: the
    queue is moving) and say whether to send the run again, or — after ``max_sweeps()``
    counted sweeps without a chunk written — end it 失败 with a Chinese reason and a retry
    button (a recurring fault is not retried forever). Conditional updates: a worker that
    claimed the run meanwhile wins."""
    if not count:
        if status == RunStatus.FAILED:
            return requeue_transient_failure(run_id)
        return True
    cutoff = timezone.now() - stale_after()
    if status == RunStatus.FAILED:
        mine = ScoreRun.objects.filter(pk=run_id, status=RunStatus.FAILED, failure=RunFailure.TRANSIENT)
    else:
        mine = ScoreRun.objects.filter(pk=run_id, status=status).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
        )
    if mine.filter(sweeps__gte=max_sweeps()).update(
        status=RunStatus.FAILED, failure=RunFailure.RECURRING, lease="", finished_at=timezone.now(),
        error=f"gave up after {max_sweeps()} sweeps without progress",
    ):  # fmt: skip
        log.error("score run %s: a recurring fault, %s sweeps without progress; failed", run_id, max_sweeps())
        return False
    if status == RunStatus.FAILED and not requeue_transient_failure(run_id):
        return False
    return bool(ScoreRun.objects.filter(pk=run_id).update(sweeps=F("sweeps") + 1))
