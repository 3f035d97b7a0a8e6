"""Celery tasks: thin, idempotent wrappers that call services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import IntegrityError
from django.utils import timezone


@shared_task(name="pilot.monthly_checklist", acks_late=True, autoretry_for=(IntegrityError,), max_retries=3)
def monthly_checklist(month: str | None = None) -> int:
    """Generate the monthly checklist (一月一清单) for the whole city; rerunning creates nothing twice."""
    from .services import checklist_generate, parse_month

    return checklist_generate(period=parse_month(month))


@shared_task(name="pilot.daily_reminders", acks_late=True)
def daily_reminders(today: str | None = None) -> dict:
    """Mark overdue items late, then raise and send the reminders (the notification centre's job:
    in-app for everyone, e-mail to whoever has an address; each reminder once, so a rerun sends
    nothing twice and the 15-minute ``notifications.sync`` never repeats this morning's mail)."""
    from notifications.services import notifications_deliver, notifications_sync

    from .services import checklist_mark_overdue

    d = date.fromisoformat(today) if today else timezone.localdate()
    marked = checklist_mark_overdue(today=d)
    created = notifications_sync(today=d)
    sent = notifications_deliver()
    return {"marked_late": marked, "notifications": created,
            "emails": sent.get("email", {}).get("sent", 0)}  # fmt: skip
