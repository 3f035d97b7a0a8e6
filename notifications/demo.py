"""Demo city: the demo accounts find their reminders waiting (raised by the same job as in production)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .services import notifications_sync


def build(ctx) -> None:
    now = timezone.make_aware(datetime.combine(ctx.today, timezone.localtime().time()))
    n = notifications_sync(today=ctx.today, now=now)
    ctx.log(f"消息提醒：{n} 条")
