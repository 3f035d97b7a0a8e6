"""Reads of the notification centre: a person sees only their own reminders."""

from __future__ import annotations

from django.http import Http404

from .models import Notification


def unread_count(*, user) -> int:
    """The menu's unread count: one indexed COUNT per page, the same on every page (a cache would
    make the number of queries depend on what was asked before)."""
    if not getattr(user, "pk", None):
        return 0
    return Notification.objects.for_user(user).unread().count()


def notification_list(*, user, unread_only: bool = False):
    qs = Notification.objects.for_user(user)
    return qs.unread() if unread_only else qs


def notification_get(*, user, notification_id: int) -> Notification:
    """404 for another person's notification and for a missing one alike."""
    n = Notification.objects.for_user(user).filter(pk=notification_id).first()
    if n is None:
        raise Http404
    return n
