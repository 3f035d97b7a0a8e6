"""Reads of the notification centre: a person sees only their own reminders."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404

from .models import Notification
from .services import unread_key

UNREAD_TTL = 300


def unread_count(*, user) -> int:
    """The menu's unread count; cached per person (dropped whenever theirs change), so most pages
    ask no query for it."""
    if not getattr(user, "pk", None):
        return 0
    key = unread_key(user.pk)
    n = cache.get(key)
    if n is None:
        n = Notification.objects.for_user(user).unread().count()
        cache.set(key, n, UNREAD_TTL)
    return n


def notification_list(*, user, unread_only: bool = False):
    qs = Notification.objects.for_user(user)
    return qs.unread() if unread_only else qs


def notification_get(*, user, notification_id: int) -> Notification:
    """404 for another person's notification and for a missing one alike."""
    n = Notification.objects.for_user(user).filter(pk=notification_id).first()
    if n is None:
        raise Http404
    return n
