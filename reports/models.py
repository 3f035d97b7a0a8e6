"""Year-end report batches (年底考核报告批量生成): job state lives in the database.

A ``ReportBatch`` renders every unit's report for a year; each unit is one ``ReportFile`` row
(pending → running → done/failed), so a batch survives worker restarts and resumes where it
stopped. When every file is finished the PDFs are zipped per township (``TownshipArchive``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    ZIPPING = "zipping", _("打包中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("部分失败")


#: At most one batch per organization and year in these states (a DB constraint, not a hope).
ACTIVE_BATCH_STATUSES = (BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.ZIPPING)


class FileStatus(models.TextChoices):
    PENDING = "pending", _("待生成")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("失败")


class ReportBatch(models.Model):
    """One run of "render every unit's year-end report" under an organization (usually the city)."""

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("报告数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    chunk_size = models.PositiveSmallIntegerField(_("每批数量"), default=10)
    #: Why the batch ended 部分失败, in Chinese for the page (the raw error goes to the log).
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    #: Zipping is a step of its own: its heartbeat (each township's zip written), the worker's
    #: lease and the Celery message doing it — a zipper that died is taken over when its heartbeat
    #: goes stale, or at once by the redelivery of the same message.
    zipping_at = models.DateTimeField(_("打包心跳"), null=True, blank=True)
    zip_lease = models.CharField(max_length=32, blank=True, editable=False)
    zip_task_id = models.CharField(max_length=64, blank=True, editable=False)
    #: Times the sweeper sent the batch again since a file was last rendered (the cap ends a
    #: recurring fault 部分失败 instead of sending it forever; 继续 starts the count again).
    sweeps = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报告批量生成任务")
        verbose_name_plural = _("报告批量生成任务")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=models.Q(status__in=["queued", "running", "zipping"]),
                name="report_batch_one_active",
                violation_error_message=_("该范围本年度已有进行中的报告批量生成任务。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} 年度考核报告（{self.organization}）"


class ReportFile(models.Model):
    """One unit's rendered report within a batch."""

    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="files")
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        Organization, verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=8, choices=FileStatus.choices, default=FileStatus.PENDING)
    file = models.FileField(_("PDF"), upload_to="reports/%Y/", max_length=200, blank=True)
    pages = models.PositiveSmallIntegerField(_("页数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    #: The Celery message rendering it: its redelivery (the worker died) or retry takes over at once.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位报告文件")
        verbose_name_plural = _("单位报告文件")
        constraints = [models.UniqueConstraint(fields=["batch", "organization"], name="report_file_once")]
        indexes = [models.Index(fields=["batch", "status"], name="report_file_batch_status")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_status_display()}"


class TownshipArchive(models.Model):
    """The zip of one township's reports in a batch (乡镇打包下载)."""

    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="archives")
    organization = models.ForeignKey(
        Organization, verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("压缩包"), upload_to="reports/zips/%Y/", max_length=200)
    count = models.PositiveIntegerField(_("报告数"), default=0)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("乡镇报告压缩包")
        verbose_name_plural = _("乡镇报告压缩包")
        constraints = [
            models.UniqueConstraint(fields=["batch", "organization"], name="township_archive_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.count}"
