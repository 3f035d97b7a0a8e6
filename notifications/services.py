"""Writes of the notification centre: raise reminders (set-based, idempotent), mark them read."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from branches.models import Role
from branches.policy import SECRETARIES

from .models import Notification
from .sources import SOURCES, Event

BATCH = 2000


def _recipients(org_ids: set[int]) -> dict[int, set[int]]:
    """The people who act for each organization (its secretaries): one query."""
    who: dict[int, set[int]] = defaultdict(set)
    ids = sorted(org_ids)
    for i in range(0, len(ids), 5000):
        rows = Role.objects.filter(kind__in=SECRETARIES, organization_id__in=ids[i : i + 5000])
        for org_id, user_id in rows.filter(user__is_active=True).values_list("organization_id", "user_id"):
            who[org_id].add(user_id)
    return who


def notify_events(events: list[Event], *, now: datetime | None = None) -> int:
    """Create a notification per event and recipient unless one with that key exists; returns how many."""
    if not events:
        return 0
    now = now or timezone.now()
    who = _recipients({e.organization_id for e in events})
    keys = sorted({e.key for e in events})
    have: set[tuple[int, str]] = set()
    for i in range(0, len(keys), 5000):
        have.update(Notification.objects.filter(key__in=keys[i : i + 5000]).values_list("user_id", "key"))
    rows, seen = [], set()
    for e in events:
        for user_id in who.get(e.organization_id, ()):
            if (user_id, e.key) in have or (user_id, e.key) in seen:
                continue
            seen.add((user_id, e.key))
            rows.append(Notification(user_id=user_id, organization_id=e.organization_id, kind=e.kind,
                                     title=e.title[:300], url=e.url, key=e.key, object_id=e.object_id,
                                     created_at=now))  # fmt: skip
    # ignore_conflicts: a second run racing this one makes no duplicates (the unique constraint).
    Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def notify_on_commit(events: list[Event]) -> None:
    """For a service that has just made something to act on (a return, a finding): the people
    who must act see it as soon as the change is committed, not at the next beat. The beat job
    raises the same key, so nothing is made twice."""
    transaction.on_commit(lambda: notify_events(events))


def notifications_sync(*, today: date | None = None, now: datetime | None = None) -> int:
    """Everything due, overdue, returned, escalated and assigned becomes a reminder for the people
    who must act (job ``notifications.sync``; safe to run again: nothing is created twice)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    events: list[Event] = []
    for source in SOURCES:
        events.extend(source(today, now))
    with transaction.atomic():
        settle_done(now=now)
        return notify_events(events, now=now)


def settle_done(*, now: datetime) -> int:
    """Reminders about something already dealt with (reported, closed, received, done) are marked
    read: the unread count is what is still to do, and nobody is e-mailed about finished work.
    One UPDATE per family of kinds."""
    from .sources import still_open

    n = 0
    for kinds, open_rows in still_open():
        n += (
            Notification.objects.unread()
            .filter(kind__in=kinds, object_id__isnull=False)
            .exclude(object_id__in=open_rows)
            .update(read_at=now)
        )
    return n


@transaction.atomic
def notifications_mark_read(*, actor, ids=None, now=None) -> int:
    """Mark the actor's own notifications read (``ids`` or all of them); others' rows are untouched."""
    qs = Notification.objects.for_user(actor).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    n = qs.update(read_at=now or timezone.now())  # the reader's own inbox: not an audited act
    return n


DELIVER_WITHIN_DAYS = 7  # an e-mail about a week-old reminder helps nobody
DELIVER_BATCH = 500


def notifications_deliver(*, now: datetime | None = None) -> dict:
    """Send the unread reminders of the last week through every configured channel that records
    deliveries (e-mail, gateways). Rows are locked while sent (``skip_locked``: two workers split
    the work) and each delivery is recorded, so a retry sends nothing twice. Returns
    ``{channel: {"sent": n, "pending": m}}``; ``pending`` > 0 means a channel failed part-way."""
    from datetime import timedelta

    from . import channels
    from .models import Delivery

    now = now or timezone.now()
    out = {}
    for ch in channels.configured():
        if not ch.records:
            continue
        with transaction.atomic():
            qs = ch.eligible(
                Notification.objects.unread()
                .filter(created_at__gte=now - timedelta(days=DELIVER_WITHIN_DAYS))
                .exclude(deliveries__channel=ch.name)
            )
            rows = list(
                qs.select_related("user")
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))[:DELIVER_BATCH]
            )
            sent: list[int] = []
            error = None
            if rows:
                try:
                    sent = ch.deliver(rows)
                except Exception as e:  # noqa: BLE001 - recorded below, retried by the task
                    error = e
                    sent = list(getattr(e, "sent", []))
            Delivery.objects.bulk_create(
                [Delivery(notification_id=i, channel=ch.name, sent_at=now) for i in sent],
                ignore_conflicts=True,
            )
        out[ch.name] = {"sent": len(sent), "pending": len(rows) - len(sent), "error": str(error or "")}
    return out
