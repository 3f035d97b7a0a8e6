"""Reminder e-mails: items due within 3 days or overdue, to the secretaries who have an address."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from branches.models import Role
from branches.policy import SECRETARIES

from .models import OPEN_STATUSES, ChecklistItem, ReminderKind, ReminderLog
from .selectors import REMIND_DAYS


@transaction.atomic
def collect_reminder_mail(*, today: date) -> list[tuple]:
    """Build the messages and record them as sent (set-based; fixed number of queries)."""
    items = list(
        ChecklistItem.objects.filter(
            status__in=OPEN_STATUSES, due_date__lte=today + timedelta(days=REMIND_DAYS)
        )
        .filter(organization__roles__kind__in=SECRETARIES)
        .exclude(organization__roles__user__email="")
        .select_related("task")
        .values("id", "organization_id", "due_date", "task__title")
        .distinct()
    )
    if not items:
        return []
    logged = set(
        ReminderLog.objects.filter(item_id__in=[i["id"] for i in items]).values_list("item_id", "kind")
    )
    emails = defaultdict(set)
    for org_id, email in (
        Role.objects.filter(kind__in=SECRETARIES, organization_id__in={i["organization_id"] for i in items})
        .exclude(user__email="")
        .values_list("organization_id", "user__email")
    ):
        emails[org_id].add(email)
    per_org: dict[int, list[str]] = defaultdict(list)
    new_logs = []
    for i in items:
        kind = ReminderKind.OVERDUE if i["due_date"] < today else ReminderKind.DUE_SOON
        if (i["id"], kind) in logged:
            continue
        new_logs.append(ReminderLog(item_id=i["id"], kind=kind))
        label = _("已逾期") if kind == ReminderKind.OVERDUE else _("即将到期")
        per_org[i["organization_id"]].append(
            f"· {i['task__title']}（{i['due_date']:%Y-%m-%d} 截止，{label}）"
        )
    ReminderLog.objects.bulk_create(new_logs, ignore_conflicts=True, batch_size=2000)
    subject = _("【一月一清单】待报送事项提醒")
    return [
        (subject, _("您好，以下清单事项请及时报送：\n") + "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
         sorted(emails[org_id]))
        for org_id, lines in per_org.items()
        if emails.get(org_id)
    ]  # fmt: skip
