"""Celery tasks: thin, idempotent, ids in.

``acks_late`` + ``reject_on_worker_lost``: a message whose worker died comes back at once; the
redelivered message (same task id) may take over the zipping it was doing. A database fault
retries with backoff; what is left over the sweeper resumes (``sweep_stale_batches``).
"""

import random

from celery import shared_task
from django.conf import settings

RETRIES = 6


def _limits(name: str, soft_default: int) -> dict:
    soft = int(getattr(settings, name, soft_default))
    return {"soft_time_limit": soft, "time_limit": soft + 60}


def _backoff(retries: int) -> float:
    return min(5 * 2**retries, 300) * random.uniform(0.8, 1.2)


def _retry_transient(task, e: Exception):
    from assessments.scoring import is_transient

    if not is_transient(e) or task.request.is_eager or task.request.retries >= task.max_retries:
        raise e
    raise task.retry(exc=e, countdown=_backoff(task.request.retries)) from None


@shared_task(name="reports.render_chunk", ignore_result=True, acks_late=True, reject_on_worker_lost=True, bind=True,
             max_retries=RETRIES, **_limits("REPORTS_CHUNK_TIME_LIMIT", 600))  # fmt: skip
def render_chunk(self, batch_id: int, file_ids: list[int]) -> int:
    """Render a chunk of a batch's unit reports; the last chunk to finish zips the batch."""
    from .services import finish_if_complete, render_file

    try:
        n = sum(1 for fid in file_ids if render_file(file_id=fid, task_id=self.request.id or ""))
        finish_if_complete(batch_id=batch_id, task_id=self.request.id or "")
    except Exception as e:
        _retry_transient(self, e)
    return n


@shared_task(name="reports.zip_batch", ignore_result=True, acks_late=True, reject_on_worker_lost=True, bind=True,
             max_retries=RETRIES, **_limits("REPORTS_ZIP_TIME_LIMIT", 900))  # fmt: skip
def zip_batch(self, batch_id: int) -> bool:
    """Zip a batch whose files are all finished (继续, the sweeper); a no-op while another
    worker zips it."""
    from .services import finish_if_complete

    try:
        return finish_if_complete(batch_id=batch_id, task_id=self.request.id or "")
    except Exception as e:
        _retry_transient(self, e)


@shared_task(name="reports.sweep_stale_batches", acks_late=True, **_limits("REPORTS_SWEEP_TIME_LIMIT", 120))
def sweep_stale_batches() -> int:
    """Beat: resume batches whose worker died, whose message was lost or whose zipping stopped."""
    from .services import sweep_stale

    return sweep_stale()
