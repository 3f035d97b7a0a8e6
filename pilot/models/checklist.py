"""The monthly checklist (一月一清单) with its reports, evidence, reviews and reminders; the secretary's pocketbook (书记责任口袋书)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

from .base import User, _org_fk
from .plan import Task


# --- the monthly checklist (一月一清单) ----------------------------------------------------------
class ItemStatus(models.TextChoices):
    PENDING = "pending", _("待报送")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


OPEN_STATUSES = (ItemStatus.PENDING, ItemStatus.RETURNED)


def overdue_q(today: date) -> models.Q:
    """Still owed after its due date: pending or returned, and the due date has passed."""
    return models.Q(status__in=OPEN_STATUSES, due_date__lt=today)


def late_q(today: date) -> models.Q:
    """逾期 — the one definition of a late checklist item: not submitted by its due date. Either it
    was submitted after the due date (``is_late``, recorded when it happened) or it is still owed
    after it (``overdue_q``). Pages, jobs, scores and reports all count this."""
    return models.Q(is_late=True) | overdue_q(today)


class ChecklistItemQuerySet(ScopedQuerySet):
    def for_period(self, period: date):
        return self.filter(period=period)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date | None = None):
        return self.filter(overdue_q(today or timezone.localdate()))

    def late(self, today: date | None = None):
        return self.filter(late_q(today or timezone.localdate()))

    def with_late(self, today: date | None = None):
        """Each row with ``late_now`` (the same rule, for a matrix cell or a list row)."""
        return self.annotate(
            late_now=models.Case(
                models.When(late_q(today or timezone.localdate()), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def mark_late(self, today: date | None = None) -> int:
        """Record ``is_late`` on every item still owed after its due date (set-based, safe to rerun):
        the generator and the daily job both call this, never a rule of their own."""
        return self.overdue(today).filter(is_late=False).update(is_late=True)


class ChecklistItem(models.Model):
    """One task due for one organization in one month (一月一清单的一项).

    ``period`` is the first day of the month. ``is_late``: submitted after the due date, or
    still not submitted once the due date has passed (kept current by the reminder job).
    """

    # No separate index on organization: the unique (organization, task, period) leads with it.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="checklist_items",
        db_index=False,
    )
    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="items")
    period = models.DateField(_("月份"))
    due_date = models.DateField(_("截止日期"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING
    )
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    last_submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    is_late = models.BooleanField(_("逾期"), default=False)
    delay_reason = models.CharField(_("延期原因"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("审核人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        ordering = ["period", "due_date", "id"]
        verbose_name = _("月度清单事项")
        verbose_name_plural = _("月度清单事项")
        constraints = [
            models.UniqueConstraint(fields=["organization", "task", "period"], name="pilot_item_unique"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="pilot_item_percent_le_100"),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="pilot_item_period_status"),
            models.Index(fields=["organization", "period"], name="pilot_item_org_period"),
            # A secretary's open items by due date (home-page reminders); city-wide status queries
            # use (period, status).
            models.Index(fields=["organization", "status", "due_date"], name="pilot_item_org_status_due"),
            models.Index(fields=["accepted_at"], name="pilot_item_accepted"),
            models.Index(fields=["submitted_at"], name="pilot_item_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} · {self.period:%Y-%m} · {self.task_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def late_on(self, today: date | None = None) -> bool:
        """``late_q`` for this one row."""
        today = today or timezone.localdate()
        return self.is_late or (self.is_open and self.due_date < today)

    @property
    def late(self) -> bool:
        return self.late_on()


class ReportQuerySet(ScopedQuerySet):
    scope_field = "item__organization__path"


class ProgressState(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class ProgressReport(models.Model):
    """One submission on an item; append-only, so editing keeps history (the latest row wins)."""

    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("清单事项"), on_delete=models.CASCADE, related_name="reports"
    )
    author = models.ForeignKey(User, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("报送时间"), default=timezone.now, db_index=True)
    state = models.CharField(_("完成情况"), max_length=12, choices=ProgressState.choices)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    narrative = models.TextField(_("工作简述"), max_length=2000)
    delay_reason = models.CharField(_("延期原因"), max_length=300, blank=True)
    is_late = models.BooleanField(_("逾期报送"), default=False)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("进度报送")
        verbose_name_plural = _("进度报送")
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="pilot_report_percent_le_100")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.created_at:%Y-%m-%d %H:%M}"


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("照片")
    PDF = "pdf", _("PDF")
    OFFICE = "office", _("Office 文档")


class Evidence(models.Model):
    """A file backing a report, stored under a generated name in MEDIA_ROOT (outside the web root)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("报送"), on_delete=models.CASCADE, related_name="evidence"
    )
    organization = _org_fk("+")
    file = models.FileField(_("文件"), upload_to="pilot/evidence/%Y/%m/", max_length=200)
    display = models.FileField(
        _("显示用缩略图"), upload_to="pilot/display/%Y/%m/", max_length=200, blank=True
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=EvidenceKind.choices)
    mime = models.CharField(_("MIME 类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.original_name


class ReviewDecision(models.TextChoices):
    ACCEPT = "accept", _("通过")
    RETURN = "return", _("退回")


class Review(models.Model):
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("清单事项"), on_delete=models.CASCADE, related_name="reviews"
    )
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("报送"), on_delete=models.CASCADE, null=True, related_name="reviews"
    )
    reviewer = models.ForeignKey(User, verbose_name=_("审核人"), on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("审核结果"), max_length=8, choices=ReviewDecision.choices)
    reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    at = models.DateTimeField(_("审核时间"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_decision_display()}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("3 天内到期")
    OVERDUE = "overdue", _("已逾期")


class ReminderLog(models.Model):
    """One e-mail per (item, kind): the reminder job is safe to rerun."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [models.UniqueConstraint(fields=["item", "kind"], name="pilot_reminder_once")]


# --- secretary's pocketbook (书记责任口袋书) ---------------------------------------------------
class Commitment(models.Model):
    organization = _org_fk("commitments")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    secretary_name = models.CharField(_("书记"), max_length=40)
    content = models.CharField(_("承诺事项"), max_length=300)
    due_date = models.DateField(_("承诺完成时间"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    progress_note = models.CharField(_("进展情况"), max_length=300, blank=True)
    fulfilled = models.BooleanField(_("已兑现"), default=False)
    rating = models.DecimalField(
        _("党员群众评价（分）"), max_digits=5, decimal_places=1, null=True, blank=True, help_text=_("0–100")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "year", "id"]
        verbose_name = _("书记承诺")
        verbose_name_plural = _("书记责任口袋书")
        constraints = [models.CheckConstraint(condition=models.Q(percent__lte=100), name="pilot_commit_pct")]

    def __str__(self) -> str:
        return self.content
