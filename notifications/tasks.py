"""Celery: raise reminders on a beat (idempotent) and send them through the configured channels."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import IntegrityError


@shared_task(name="notifications.sync", acks_late=True, autoretry_for=(IntegrityError,), max_retries=3)
def sync(today: str | None = None) -> dict:
    """Everything due/overdue/returned/escalated/assigned → notifications; then send them."""
    from .services import notifications_sync

    created = notifications_sync(today=date.fromisoformat(today) if today else None)
    deliver.delay()
    return {"created": created}


@shared_task(name="notifications.deliver", bind=True, acks_late=True, max_retries=5)
def deliver(self) -> dict:
    """E-mail and gateway channels; a failed channel is retried in a minute (sent ones are recorded)."""
    from .services import notifications_deliver

    result = notifications_deliver()
    if any(r["pending"] and r["error"] for r in result.values()):
        raise self.retry(countdown=60)
    return result
