"""What people must be reminded of, read set-based: one query per kind of thing, whatever the size.

Each source answers rows of (organization to tell, key, title, link) for everything that is due,
overdue, returned, escalated or assigned today. The recipients are the people who act for that
organization (its secretaries, ``branches.policy.SECRETARIES``); an escalated rectification goes
to the township above the unit. Windows keep the job bounded: older events are not raised again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from .models import Kind

DUE_DAYS = 3  # "即将到期": due within three days (as the checklist's home reminders)
LOOKBACK_DAYS = 45  # events older than this are not raised for the first time


@dataclass(frozen=True)
class Event:
    organization_id: int
    kind: str
    key: str
    title: str
    url: str
    object_id: int | None = None


def _d(value: date) -> str:
    return formats.date_format(value, _("n月j日"))


def _month(value: date) -> str:
    return formats.date_format(value, _("Y年n月"))


def _short(text: str, n: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def checklist_events(today: date, now: datetime) -> list[Event]:
    from pilot.models import OPEN_STATUSES, ChecklistItem, Review, ReviewDecision

    out = []
    rows = ChecklistItem.objects.filter(
        status__in=OPEN_STATUSES,
        due_date__gte=today - timedelta(days=LOOKBACK_DAYS),
        due_date__lte=today + timedelta(days=DUE_DAYS),
    ).values_list("id", "organization_id", "task__title", "period", "due_date")
    for pk, org, title, period, due in rows:
        url = reverse("pilot:item_detail", args=[pk])
        if due < today:
            t = _("“%(task)s”（%(month)s）已逾期（%(due)s截止），请尽快报送并说明延期原因。")
            out.append(Event(org, Kind.ITEM_OVERDUE, f"item_overdue:{pk}",
                             t % {"task": title, "month": _month(period), "due": _d(due)}, url, pk))  # fmt: skip
        else:
            t = _("“%(task)s”（%(month)s）%(due)s截止，请及时报送。")
            out.append(Event(org, Kind.ITEM_DUE, f"item_due:{pk}",
                             t % {"task": title, "month": _month(period), "due": _d(due)}, url, pk))  # fmt: skip
    returned = Review.objects.filter(
        decision=ReviewDecision.RETURN, item__status="returned", at__gte=now - timedelta(days=LOOKBACK_DAYS)
    ).values_list("id", "item_id", "item__organization_id", "item__task__title", "item__period", "reason")
    out.extend(returned_event(*row) for row in returned)
    return out


def returned_event(review_id, item_id, org_id, task_title, period, reason) -> Event:
    t = _("“%(task)s”（%(month)s）被退回：%(reason)s")
    return Event(org_id, Kind.ITEM_RETURNED, f"item_returned:{review_id}",
                 t % {"task": task_title, "month": _month(period), "reason": _short(reason, 120)},
                 reverse("pilot:item_detail", args=[item_id]), item_id)  # fmt: skip


def finding_assigned_event(finding_id, org_id, problem, deadline) -> Event:
    t = _("督查发现问题，请于%(due)s前整改：%(problem)s")
    return Event(org_id, Kind.FINDING_ASSIGNED, f"finding_assigned:{finding_id}",
                 t % {"problem": _short(problem), "due": _d(deadline)},
                 reverse("assessments:finding_detail", args=[finding_id]), finding_id)  # fmt: skip


def finding_events(today: date, now: datetime) -> list[Event]:
    from assessments.models import Finding, FindingStatus

    out = []
    rows = (
        Finding.objects.filter(status=FindingStatus.OPEN)
        .filter(found_on__gte=today - timedelta(days=LOOKBACK_DAYS * 2))
        .values_list("id", "organization_id", "organization__township_id", "organization__name",
                     "problem", "deadline", "escalated_at")
    )  # fmt: skip
    for pk, org, township, org_name, problem, deadline, escalated_at in rows:
        url = reverse("assessments:finding_detail", args=[pk])
        p = {"problem": _short(problem), "due": _d(deadline), "org": org_name}
        out.append(finding_assigned_event(pk, org, problem, deadline))
        if today <= deadline <= today + timedelta(days=DUE_DAYS):
            out.append(Event(org, Kind.FINDING_DUE, f"finding_due:{pk}",
                             _("整改期限%(due)s将到：%(problem)s") % p, url, pk))  # fmt: skip
        elif deadline < today:
            out.append(Event(org, Kind.FINDING_OVERDUE, f"finding_overdue:{pk}",
                             _("整改已逾期（%(due)s截止）：%(problem)s") % p, url, pk))  # fmt: skip
        if escalated_at is not None and township and township != org:
            out.append(Event(township, Kind.FINDING_ESCALATED, f"finding_escalated:{pk}",
                             _("%(org)s整改逾期已上报（%(due)s截止）：%(problem)s") % p, url, pk))  # fmt: skip
    return out


def transfer_events(today: date, now: datetime) -> list[Event]:
    from members.models_life import Transfer, TransferStatus

    rows = Transfer.objects.filter(status=TransferStatus.PENDING, to_org__isnull=False).values_list(
        "id", "to_org_id", "name", "from_org__name", "from_org_name"
    )
    t = _("%(name)s的组织关系转入待接收（转出：%(src)s）。")
    return [
        Event(to_org, Kind.TRANSFER_WAITING, f"transfer_waiting:{pk}", t % {"name": name, "src": src or src_name},
              reverse("members:transfer_detail", args=[pk]), pk)
        for pk, to_org, name, src, src_name in rows
    ]  # fmt: skip


def decision_events(today: date, now: datetime) -> list[Event]:
    from pilot.models import DecisionStatus, MeetingDecision

    rows = MeetingDecision.objects.filter(
        status=DecisionStatus.OPEN, due_date__gte=today - timedelta(days=LOOKBACK_DAYS)
    ).values_list("id", "organization_id", "content", "due_date")
    url = reverse("pilot:meetings")
    out = []
    for pk, org, content, due in rows:
        p = {"content": _short(content, 60), "due": _d(due)}
        out.append(Event(org, Kind.DECISION_ASSIGNED, f"decision_assigned:{pk}",
                         _("例会议定事项请于%(due)s前办结：%(content)s") % p, url, pk))  # fmt: skip
        if due < today:
            out.append(Event(org, Kind.DECISION_OVERDUE, f"decision_overdue:{pk}",
                             _("例会议定事项已逾期（%(due)s截止）：%(content)s") % p, url, pk))  # fmt: skip
    return out


SOURCES = (checklist_events, finding_events, transfer_events, decision_events)


def still_open():
    """(kinds, the rows still to act on) per family: a reminder whose row is not among them is settled."""
    from assessments.models import Finding, FindingStatus
    from members.models_life import Transfer, TransferStatus
    from pilot.models import OPEN_STATUSES, ChecklistItem, DecisionStatus, MeetingDecision

    return [
        ((Kind.ITEM_DUE, Kind.ITEM_OVERDUE, Kind.ITEM_RETURNED),
         ChecklistItem.objects.filter(status__in=OPEN_STATUSES).values("pk")),
        ((Kind.FINDING_ASSIGNED, Kind.FINDING_DUE, Kind.FINDING_OVERDUE, Kind.FINDING_ESCALATED),
         Finding.objects.filter(status=FindingStatus.OPEN).values("pk")),
        ((Kind.TRANSFER_WAITING,), Transfer.objects.filter(status=TransferStatus.PENDING).values("pk")),
        ((Kind.DECISION_ASSIGNED, Kind.DECISION_OVERDUE),
         MeetingDecision.objects.filter(status=DecisionStatus.OPEN).values("pk")),
    ]  # fmt: skip
