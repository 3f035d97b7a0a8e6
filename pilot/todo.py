"""The home page is the person's to-do list (待办): what to do next, most urgent first, each entry
one tap from its action.

What belongs on it is asked of the action policy (``branches.policy``), never of role kinds:

* checklist items to report — the organizations the person may ``REPORT`` for: returned (with the
  reason), overdue, due within ``REMIND_DAYS``; one entry per item, with its month;
* findings to rectify — ``REPORT``: open findings with their deadline;
* overdue rectification escalated to the level above — ``REVIEW`` (督促整改);
* answers waiting for verification — ``VERIFY``, except the person's own answers (职责分离);
* reports waiting for review — ``REVIEW``: one entry with their number, to the review list;
* 发展党员 steps coming due and transfers to accept / receipts overdue — ``MANAGE``;
* unread notices and open weekly-meeting decisions of the organizations the person's own role
  reports for (``role_org_ids(REPORT)``: the unit itself, not the units below).

Every source is one set-based query (at most ``LIMIT`` + 1 rows; "more" links to the full list),
so the page makes the same number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere, orgs_for, role_org_ids, rows_q
from branches.scoping import role_grants

from .models import OPEN_STATUSES, ChecklistItem, DecisionStatus, ItemStatus, MeetingDecision, NoticeRecipient
from .selectors import REMIND_DAYS

#: Rows read per source; one more tells whether to show "查看全部".
LIMIT = 10
#: Reports waiting for review are counted up to this many ("超过 1,000 项" beyond).
REVIEW_CAP = 1000

# Urgency tiers, most urgent first; inside a tier the earliest date first.
OVERDUE, RETURNED, DUE, WAITING, NOTICE = range(5)


@dataclass(frozen=True)
class Entry:
    tier: int
    on: date | None  # the deadline, or the day it started waiting
    kind: str  # what the entry is (a CSS hook and a test handle)
    badge: str  # the state in words: 逾期未报、已退回、待审核 …
    tone: str  # danger / warn / info
    title: str
    where: str = ""  # the unit
    month: str = ""  # 2026年11月, for checklist items
    note: str = ""  # the deadline or the reason, in words
    url: str = ""
    key: int = 0  # the row's id (stable order)

    @property
    def sort_key(self):
        return (self.tier, self.on or date.max, self.kind, self.key)


@dataclass
class More:
    label: str
    url: str


@dataclass
class TodoList:
    entries: list[Entry] = field(default_factory=list)
    more: list[More] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # the checklist: overdue / returned / due

    def __bool__(self) -> bool:
        return bool(self.entries)


def _month(d: date) -> str:
    return date_format(d, _("Y年n月"))


def _day(d: date) -> str:
    return d.isoformat()  # date_format(d, "Y-m-d") without the format machinery


#: What an entry shows of a finding and its unit (not the photo, answer or evidence).
_FINDING_FIELDS = (
    "id",
    "problem",
    "deadline",
    "status",
    "organization",
    "organization__name",
    "organization__short_name",
)


def _unit(org) -> str:
    return org.short_name or org.name


def _checklist(user, today: date, out: TodoList) -> None:
    soon = today + timedelta(days=REMIND_DAYS)
    mine = orgs_for(user, Action.REPORT).values("pk")
    base = ChecklistItem.objects.filter(organization__in=mine, status__in=OPEN_STATUSES).filter(
        Q(due_date__lte=soon) | Q(status=ItemStatus.RETURNED)
    )
    tier = Case(
        When(due_date__lt=today, then=Value(OVERDUE)),
        When(status=ItemStatus.RETURNED, then=Value(RETURNED)),
        default=Value(DUE),
        output_field=IntegerField(),
    )
    rows = list(
        base.annotate(tier=tier)
        .select_related("task", "organization")
        .only(
            "id",
            "status",
            "due_date",
            "period",
            "return_reason",
            "task",
            "task__title",
            "organization",
            "organization__name",
            "organization__short_name",
        )
        .order_by("tier", "due_date", "id")[: LIMIT + 1]
    )
    out.counts = base.aggregate(
        overdue=Count("id", filter=Q(due_date__lt=today)),
        returned=Count("id", filter=Q(status=ItemStatus.RETURNED, due_date__gte=today)),
        due=Count("id", filter=Q(status=ItemStatus.PENDING, due_date__gte=today)),
    )
    # The words once, not per row (each gettext is a catalogue lookup).
    due_w, reason_w = _("%(d)s 截止"), _("%(due)s · 退回原因：%(r)s")
    late_returned, late, returned, pending = _("退回后逾期"), _("逾期未报"), _("已退回"), _("待报送")
    months: dict[date, str] = {}
    for it in rows[:LIMIT]:
        due = due_w % {"d": _day(it.due_date)}
        if it.tier == OVERDUE:
            badge = late_returned if it.status == ItemStatus.RETURNED else late
            tone, note = "danger", due
        elif it.tier == RETURNED:
            badge, tone, note = returned, "danger", due
        else:
            badge, tone, note = pending, "warn", due
        if it.status == ItemStatus.RETURNED and it.return_reason:
            note = reason_w % {"due": note, "r": it.return_reason}
        if it.period not in months:
            months[it.period] = _month(it.period)
        out.entries.append(
            Entry(it.tier, it.due_date, "item", badge, tone, it.task.title, _unit(it.organization),
                  months[it.period], note, reverse("pilot:item_detail", args=[it.pk]), it.pk)
        )  # fmt: skip
    if len(rows) > LIMIT:
        out.more.append(More(_("全部待报送事项"), reverse("pilot:checklist")))


def _findings(user, today: date, out: TodoList) -> None:
    from assessments.models import Finding, FindingStatus

    rows = list(
        Finding.objects.filter(rows_q(user, Action.REPORT), status=FindingStatus.OPEN)
        .select_related("organization")
        .only(*_FINDING_FIELDS)
        .order_by("deadline", "id")[: LIMIT + 1]
    )  # fmt: skip
    for f in rows[:LIMIT]:
        late = f.deadline < today
        out.entries.append(
            Entry(OVERDUE if late else DUE, f.deadline, "finding", _("整改逾期") if late else _("待整改"),
                  "danger" if late else "warn", f.problem[:60], _unit(f.organization), "",
                  _("整改期限 %(d)s") % {"d": _day(f.deadline)},
                  reverse("assessments:finding_detail", args=[f.pk]), f.pk)
        )  # fmt: skip
    if len(rows) > LIMIT:
        out.more.append(More(_("全部待整改问题"), reverse("assessments:findings") + "?status=open"))


def _escalated(user, out: TodoList) -> None:
    from assessments.models import FindingStatus
    from assessments.selectors import escalated_for_home

    rows = escalated_for_home(user=user, limit=LIMIT)
    for f in rows[:LIMIT]:
        if f.status != FindingStatus.OPEN:
            continue  # answered: it is on the verification list, not twice
        out.entries.append(
            Entry(OVERDUE, f.deadline, "escalated", _("逾期上报"), "danger", f.problem[:60], _unit(f.organization),
                  "", _("整改期限 %(d)s，请督促整改") % {"d": _day(f.deadline)},
                  reverse("assessments:finding_detail", args=[f.pk]), f.pk)
        )  # fmt: skip
    if len(rows) > LIMIT:
        out.more.append(More(_("全部逾期问题"), reverse("assessments:findings") + "?status=overdue"))


def _to_verify(user, out: TodoList) -> None:
    from assessments.models import Finding, FindingStatus

    rows = list(
        Finding.objects.filter(rows_q(user, Action.VERIFY), status=FindingStatus.ANSWERED)
        .exclude(answered_by_id=user.pk)  # whoever answered never verifies (职责分离)
        .select_related("organization")
        .only(*_FINDING_FIELDS, "answered_at")
        .order_by("answered_at", "id")[: LIMIT + 1]
    )  # fmt: skip
    for f in rows[:LIMIT]:
        on = timezone.localdate(f.answered_at) if f.answered_at else f.deadline
        out.entries.append(
            Entry(WAITING, on, "verify", _("待核查"), "info", f.problem[:60], _unit(f.organization), "",
                  _("单位已于 %(d)s 反馈整改情况") % {"d": _day(on)},
                  reverse("assessments:finding_detail", args=[f.pk]), f.pk)
        )  # fmt: skip
    if len(rows) > LIMIT:
        out.more.append(More(_("全部待核查问题"), reverse("assessments:findings") + "?status=answered"))


def _to_review(user, out: TodoList) -> None:
    # One entry for the whole queue (the review list pages it by month): counted on the covering
    # (organization, status, due_date) index, up to REVIEW_CAP — the department reviews what is
    # below it all the way down, and counting 30,000 waiting reports for a number nobody reads
    # cost 0.1 s.
    n = (
        ChecklistItem.objects.filter(
            organization__in=orgs_for(user, Action.REVIEW).values("pk"), status=ItemStatus.SUBMITTED
        )
        .order_by()  # no sort: stop at the cap
        .values("pk")[: REVIEW_CAP + 1]
        .count()
    )
    if not n:
        return
    title = (
        _("下级报送待审核 %(n)s 项") % {"n": n}
        if n <= REVIEW_CAP
        else _("下级报送待审核超过 %(n)s 项") % {"n": f"{REVIEW_CAP:,}"}
    )
    out.entries.append(
        Entry(WAITING, None, "review", _("待审核"), "info", title, "", "", _("逐条查看报送内容，通过或退回"),
              reverse("pilot:review"))
    )  # fmt: skip


def _members(user, today: date, out: TodoList) -> None:
    from members import transfers
    from members.development import DUE_SOON_DAYS
    from members.models_life import Development, DevStatus

    devs = list(
        Development.objects.filter(
            rows_q(user, Action.MANAGE),
            status=DevStatus.ACTIVE,
            due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
        )
        .select_related("organization")
        .only("id", "name", "due_step", "due_on", "organization__name", "organization__short_name")
        .order_by("due_on", "id")[: LIMIT + 1]
    )  # fmt: skip  (only: the resident ID is encrypted, and not shown here)
    for d in devs[:LIMIT]:
        late = d.due_on < today
        step = _("第 %(n)s 步“%(s)s”") % {"n": d.due_step, "s": d.due_step_name}
        out.entries.append(
            Entry(OVERDUE if late else DUE, d.due_on, "development", _("发展党员"), "danger" if late else "warn",
                  f"{d.name} · {step}", _unit(d.organization), "",
                  (_("已逾期（%(d)s）") if late else _("%(d)s 前办理")) % {"d": _day(d.due_on)},
                  reverse("members:development_detail", args=[d.pk]), d.pk)
        )  # fmt: skip
    if len(devs) > LIMIT:
        out.more.append(More(_("发展党员工作台"), reverse("members:development_list")))
    awaiting = transfers.awaiting_me(user=user, limit=LIMIT + 1)
    for t in awaiting[:LIMIT]:
        out.entries.append(
            Entry(WAITING, t.started_on, "transfer", _("待接收"), "info",
                  _("%(n)s 的组织关系转入") % {"n": t.name}, t.from_label, "",
                  _("%(d)s 发起") % {"d": _day(t.started_on)}, reverse("members:transfer_detail", args=[t.pk]), t.pk)
        )  # fmt: skip
    overdue = transfers.letters_overdue(user=user, today=today, limit=LIMIT + 1)
    for t in overdue[:LIMIT]:
        out.entries.append(
            Entry(OVERDUE, t.valid_until, "receipt", _("回执未退回"), "danger",
                  _("%(n)s 的介绍信已过有效期") % {"n": t.name}, t.to_label, "",
                  _("有效期至 %(d)s") % {"d": _day(t.valid_until)},
                  reverse("members:transfer_detail", args=[t.pk]), t.pk)
        )  # fmt: skip
    if len(awaiting) > LIMIT or len(overdue) > LIMIT:
        out.more.append(More(_("全部组织关系转接"), reverse("members:transfer_list")))


def _own_unit(user, today: date, out: TodoList) -> None:
    own = role_org_ids(user, Action.REPORT)
    if not own:
        return
    notices = list(
        NoticeRecipient.objects.filter(organization_id__in=own, read_at__isnull=True)
        .select_related("notice", "organization")
        .order_by("-notice__sent_at", "-id")[: LIMIT + 1]
    )
    for r in notices[:LIMIT]:
        sent = timezone.localdate(r.notice.sent_at)
        out.entries.append(
            Entry(NOTICE, None, "notice", _("未读通知"), "info", r.notice.title, _unit(r.organization), "",
                  _("%(d)s 发来") % {"d": _day(sent)}, reverse("pilot:notice_detail", args=[r.notice_id]), -r.pk)
        )  # fmt: skip
    if len(notices) > LIMIT:
        out.more.append(More(_("全部通知"), reverse("pilot:notices")))
    decisions = list(
        MeetingDecision.objects.filter(organization_id__in=own, status=DecisionStatus.OPEN)
        .select_related("organization")
        .order_by("due_date", "id")[: LIMIT + 1]
    )
    for d in decisions[:LIMIT]:
        late = d.due_date < today
        out.entries.append(
            Entry(OVERDUE if late else DUE, d.due_date, "decision", _("议定事项"), "danger" if late else "warn",
                  d.content, _unit(d.organization), "", _("完成时限 %(d)s") % {"d": _day(d.due_date)},
                  reverse("pilot:meetings") + f"#decision-{d.pk}", d.pk)
        )  # fmt: skip
    if len(decisions) > LIMIT:
        out.more.append(More(_("全部议定事项"), reverse("pilot:meetings")))


def todo_for(*, user, today: date | None = None) -> TodoList:
    """The person's to-do list, most urgent first (at most 12 queries, whatever the data size)."""
    today = today or timezone.localdate()
    out = TodoList()
    if not role_grants(user):
        return out  # an account with no role (or the back office's superuser) has nothing to do here
    if may_anywhere(user, Action.REPORT):
        _checklist(user, today, out)
        _findings(user, today, out)
    if may_anywhere(user, Action.REVIEW):
        _escalated(user, out)
        _to_review(user, out)
    if may_anywhere(user, Action.VERIFY):
        _to_verify(user, out)
    if may_anywhere(user, Action.MANAGE):
        _members(user, today, out)
    _own_unit(user, today, out)
    out.entries.sort(key=lambda e: e.sort_key)
    return out
