"""Celery tasks: thin, idempotent wrappers that call services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.core.mail import send_mass_mail
from django.db import IntegrityError
from django.utils import timezone


@shared_task(name="pilot.monthly_checklist", acks_late=True, autoretry_for=(IntegrityError,), max_retries=3)
def monthly_checklist(month: str | None = None) -> int:
    """Generate the monthly checklist (一月一清单) for the whole city; rerunning creates nothing twice."""
    from .services import checklist_generate, parse_month

    return checklist_generate(period=parse_month(month))


@shared_task(name="pilot.daily_reminders", acks_late=True)
def daily_reminders(today: str | None = None) -> dict:
    """Mark overdue items late and e-mail secretaries about items due in 3 days or overdue.

    One e-mail per (item, kind), recorded in ``ReminderLog`` so a rerun sends nothing twice.
    """
    from .reminders import collect_reminder_mail
    from .services import checklist_mark_overdue

    d = date.fromisoformat(today) if today else timezone.localdate()
    marked = checklist_mark_overdue(today=d)
    messages = collect_reminder_mail(today=d)
    sent = send_mass_mail(messages, fail_silently=True) if messages else 0
    return {"marked_late": marked, "emails": sent}
