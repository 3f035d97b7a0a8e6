"""Notification URLs × every role: everyone signed in has their own list; nobody opens another's."""

from notifications.models import Kind, Notification
from notifications.services import notify_events
from notifications.sources import Event
from tests.access import EVERYONE, Case, allow


def build(city):
    notify_events(
        [Event(city.a1.pk, Kind.ITEM_DUE, "access:item_due", "“支部主题党日”12月28日截止", "/pilot/")]
    )
    city.extra["note_cun"] = Notification.objects.get(key="access:item_due")


CASES = [
    Case("notifications:list", allowed=EVERYONE),
    Case(
        "notifications:list",
        allowed=EVERYONE,
        query=lambda c: {"unread": "1", "page": "x"},
        label="list:bad-page",
    ),
    Case(
        "notifications:open",
        lambda c: {"notification_id": c["note_cun"].pk},
        allow("cun"),
        ok_status=302,
        label="open:cun",
        within="cun_own",
    ),
    Case(
        "notifications:open",
        lambda c: {"notification_id": 987654},
        allow(),
        label="open:missing",
        within="missing",
    ),
    Case(
        "notifications:mark_read", allowed=EVERYONE, method="post", ok_status=302, audit=()
    ),  # marking one's own list read is not audited
]
