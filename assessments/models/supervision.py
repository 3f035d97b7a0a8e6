"""Inspections, findings, rectification, appeals and the findings' event log."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

# --- inspections, findings, rectification, appeals ------------------------------------------------


class Inspection(models.Model):
    """督查: an inspector's visit (明察 announced / 暗访 unannounced) to an assigned unit."""

    class Visit(models.TextChoices):
        ANNOUNCED = "announced", _("明察")
        UNANNOUNCED = "unannounced", _("暗访")

    class Method(models.TextChoices):
        PROBLEM = "problem", _("问题推进")
        ONSITE = "onsite", _("现场推进")
        TALK = "talk", _("约谈推进")
        MODEL = "model", _("示范推进")
        STAY = "stay", _("蹲点推进")

    organization = models.ForeignKey(
        Organization, verbose_name=_("被督查单位"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督查人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("督查日期"))
    visit = models.CharField(_("方式"), max_length=12, choices=Visit.choices, default=Visit.ANNOUNCED)
    method = models.CharField(_("推进方式"), max_length=10, choices=Method.choices, default=Method.PROBLEM)
    notes = models.TextField(_("情况记录"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("督查记录")
        verbose_name_plural = _("督查记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.organization}"


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("已反馈待核查")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("申诉成立已撤销")


def finding_overdue_q(today: date, prefix: str = "") -> models.Q:
    """逾期未整改 — the one definition: still open (not answered, not closed, not withdrawn) after its
    deadline. An answer awaiting the inspector's verification is not overdue: the unit has done its
    part. Jobs (escalation), pages, contact counts and scores all use this."""
    return models.Q(**{f"{prefix}status": FindingStatus.OPEN, f"{prefix}deadline__lt": today})


class FindingQuerySet(ScopedQuerySet):
    def overdue(self, today: date | None = None):
        return self.filter(finding_overdue_q(today or timezone.localdate()))


class Finding(models.Model):
    """A problem found on a visit; it opens a rectification item (问题整改) with owner and deadline."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    problem = models.TextField(_("问题"))
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    photo = models.ImageField(_("照片"), upload_to="findings/%Y/%m/", blank=True)
    found_on = models.DateField(_("发现日期"), db_index=True)
    owner = models.CharField(_("整改责任人"), max_length=40)
    deadline = models.DateField(_("整改期限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    answer = models.TextField(_("整改情况"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="rectification/%Y/%m/", blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("代表本单位反馈整改的人不能再核查销号（职责分离）。"),
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期整改"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("督查问题")
        verbose_name_plural = _("督查问题")
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["organization", "found_on"], name="finding_org_found")]

    def __str__(self) -> str:
        return self.problem[:40]

    def is_overdue(self, today=None) -> bool:
        """``finding_overdue_q`` for this one row."""
        today = today or timezone.localdate()
        return self.status == FindingStatus.OPEN and self.deadline < today


class Appeal(models.Model):
    """申诉 against a finding, and the inspector's ruling."""

    class Reason(models.TextChoices):
        WORDING = "wording", _("表述需调整")
        NOT_PROBLEM = "not_problem", _("不属于问题")
        MORE_TIME = "more_time", _("需延长整改期限")

    class Ruling(models.TextChoices):
        PENDING = "pending", _("待裁定")
        UPHELD = "upheld", _("申诉成立")
        REJECTED = "rejected", _("申诉不成立")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="appeals")
    reason_kind = models.CharField(_("申诉类型"), max_length=12, choices=Reason.choices)
    reason = models.TextField(_("申诉理由"))
    proposed_wording = models.TextField(_("建议表述"), blank=True)
    proposed_deadline = models.DateField(_("建议期限"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    ruling = models.CharField(_("裁定"), max_length=10, choices=Ruling.choices, default=Ruling.PENDING)
    ruling_note = models.TextField(_("裁定意见"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding"], condition=Q(ruling="pending"), name="appeal_one_pending"
            ),
        ]


class FindingEventAction(models.TextChoices):
    FOUND = "found", _("发现问题")
    ANSWERED = "answered", _("反馈整改")
    CLOSED = "closed", _("核查销号")
    REOPENED = "reopened", _("核查退回")
    APPEALED = "appealed", _("提出申诉")
    RULED = "ruled", _("申诉裁定")
    ESCALATED = "escalated", _("逾期上报")


class FindingEvent(models.Model):
    """The finding's history: found, answered, verified, reopened, appealed, ruled, escalated."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=FindingEventAction.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
