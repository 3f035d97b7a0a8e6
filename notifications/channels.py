"""Where reminders go besides the page. ``settings.NOTIFY_CHANNELS`` lists dotted classes; each one
sends a batch of new notifications and says which it delivered (recorded in ``Delivery``, so a
retry sends nothing twice). An SMS or WeChat Work (企业微信) gateway is one more class, or the
webhook channel pointed at the gateway — a change of settings, not of code:

    NOTIFY_CHANNELS = ["notifications.channels.InApp", "notifications.channels.Email",
                       "notifications.channels.Webhook"]
    NOTIFY_WEBHOOK_URL = "https://gateway.example.org/notify"   # receives JSON, see Webhook

A channel class has ``name`` and ``deliver(notifications) -> list[int]`` (the ids it sent), and may
narrow ``eligible(queryset)`` to those it can reach (e-mail: people with an address).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections import defaultdict
from functools import cache

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class Channel:
    name = ""
    records = True  # False: the notification row is the delivery (the in-app centre)

    def eligible(self, qs):
        return qs

    def deliver(self, notifications) -> list[int]:  # pragma: no cover - interface
        raise NotImplementedError


class InApp(Channel):
    """The notification centre in the portal (the unread count in the menu, the list page)."""

    name = "inapp"
    records = False

    def deliver(self, notifications) -> list[int]:
        return [n.pk for n in notifications]


def _absolute(url: str) -> str:
    base = getattr(settings, "NOTIFY_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base and url.startswith("/") else url


class Email(Channel):
    """One e-mail per person per run, listing their new reminders; people without an address are skipped."""

    name = "email"

    def eligible(self, qs):
        return qs.exclude(user__email="")

    def deliver(self, notifications) -> list[int]:
        per_user = defaultdict(list)
        for n in notifications:
            per_user[n.user.email].append(n)
        messages = []
        for email, rows in per_user.items():
            lines = [f"· {n.title}" + (f"\n  {_absolute(n.url)}" if n.url else "") for n in rows]
            body = (
                _("您好，以下事项请及时办理：\n\n") + "\n".join(lines) + _("\n\n（党建整体推进平台自动提醒）")
            )
            subject = _("【党建整体推进平台】%(n)s 条待办提醒") % {"n": len(rows)}
            messages.append((EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]), rows))
        sent: list[int] = []
        try:
            with get_connection(fail_silently=False) as conn:
                for msg, rows in messages:
                    conn.send_messages([msg])
                    sent.extend(n.pk for n in rows)
        except Exception as e:  # the ones sent before the failure are still recorded
            e.sent = sent
            raise
        return sent


class Webhook(Channel):
    """POSTs a JSON batch to ``NOTIFY_WEBHOOK_URL`` (an SMS or WeChat Work gateway):
    ``{"notifications": [{"id", "user", "phone_or_email", "kind", "title", "url"}]}``; a 2xx answer
    counts as delivered."""

    name = "webhook"

    def deliver(self, notifications) -> list[int]:
        url = getattr(settings, "NOTIFY_WEBHOOK_URL", "")
        if not url:
            return []
        payload = {"notifications": [
            {"id": n.pk, "user": n.user.get_username(), "email": n.user.email, "kind": n.kind,
             "title": n.title, "url": _absolute(n.url)} for n in notifications
        ]}  # fmt: skip
        req = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8"})  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - a configured URL
            if not 200 <= resp.status < 300:
                raise OSError(f"webhook answered {resp.status}")
        return [n.pk for n in notifications]


@cache
def _load(path: str) -> Channel:
    return import_string(path)()


def configured() -> list[Channel]:
    return [_load(p) for p in getattr(settings, "NOTIFY_CHANNELS", ["notifications.channels.InApp"])]
