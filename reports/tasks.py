"""Celery tasks: thin, idempotent, ids in."""

from celery import shared_task


@shared_task(name="reports.render_chunk", acks_late=True, bind=True, max_retries=3)
def render_chunk(self, batch_id: int, file_ids: list[int]) -> int:
    """Render a chunk of a batch's unit reports; the last chunk to finish zips the batch."""
    from .services import finish_if_complete, render_file

    n = sum(1 for fid in file_ids if render_file(file_id=fid))
    finish_if_complete(batch_id=batch_id)
    return n


@shared_task(name="reports.sweep_stale_batches", acks_late=True)
def sweep_stale_batches() -> int:
    """Beat: resume batches whose worker died mid-chunk."""
    from .services import sweep_stale

    return sweep_stale()
