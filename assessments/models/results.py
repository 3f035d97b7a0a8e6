"""Computed scores: score runs, results with their breakdown, and rectification plans."""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

from .schemes import Scheme, SchemeKind

# --- computed scores -----------------------------------------------------------------------------


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DRAFT = "draft", _("草稿待审核")
    NOTICE = "notice", _("公示中")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被取代")
    FAILED = "failed", _("失败")


class RunFailure(models.TextChoices):
    """Why a run ended 失败 — what the page shows instead of the raw error (which goes to the log)."""

    TRANSIENT = "transient", _("数据库暂时不可用，系统将自动重试")
    TIME_LIMIT = "time_limit", _("计算超出时间限制")
    ATTEMPTS = "attempts", _("多次尝试仍未完成（计算进程反复中断）")
    ERROR = "error", _("计算出错，请联系系统管理员查看日志")
    RECURRING = (
        "recurring",
        _("多次自动重试仍未成功，已停止自动重试；请稍后点击“重试”，仍失败请联系系统管理员"),
    )


#: At most one run per period and kind in these states (a DB constraint, not a hope).
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DRAFT, RunStatus.NOTICE)


class ScoreRun(models.Model):
    """One computation of one period and kind: job state, progress and heartbeat live here."""

    period = models.CharField(_("考核期"), max_length=8, db_index=True)
    kind = models.CharField(_("类别"), max_length=16, choices=SchemeKind.choices)
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="runs"
    )
    #: Every published scheme of the year and kind when the run started (the city's and, e.g., a
    #: bureau's): each subject is scored by the most specific one covering it. ``scheme`` is the
    #: broadest of them.
    schemes = models.ManyToManyField(Scheme, verbose_name=_("所用指标体系"), blank=True, related_name="+")
    #: Recomputing a run on 公示 starts a new notice period: the new run goes on notice when done.
    notice_on_finish = models.BooleanField(_("完成后进入公示"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    chunk_size = models.PositiveIntegerField(default=500)
    units_total = models.PositiveIntegerField(_("对象总数"), default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(_("心跳"), null=True, blank=True)
    lease = models.CharField(max_length=32, blank=True, help_text="the worker currently holding the run")
    attempts = models.PositiveSmallIntegerField(default=0)
    #: Times the sweeper sent the run again since its last chunk was written: a fault that keeps
    #: coming back (a statement that always times out, a database that keeps refusing) ends the
    #: run 失败 (``RunFailure.RECURRING``) at ``ASSESSMENTS_RUN_MAX_SWEEPS`` instead of forever.
    sweeps = models.PositiveSmallIntegerField(default=0, editable=False)
    error = models.TextField(
        blank=True, help_text="the raw error, for the log and the admin; never shown on a page"
    )
    failure = models.CharField(_("失败原因"), max_length=12, choices=RunFailure.choices, blank=True)
    #: The subjects fixed at the first attempt (ids in order): a resumed run scores exactly these,
    #: so an organization dissolved or created between a crash and the resume shifts no chunk.
    subject_ids = models.JSONField(default=list, blank=True, editable=False)
    #: The Celery message holding the lease: a redelivery of the same message (its worker died,
    #: or a retry after a database fault) may take the run over at once instead of waiting for
    #: the heartbeat to go stale.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", verbose_name=_("重算取代"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("计分批次")
        verbose_name_plural = _("计分批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kind"],
                condition=Q(status__in=["queued", "running", "draft", "notice"]),
                name="run_one_active_per_period",
            ),
            models.UniqueConstraint(
                fields=["period", "kind"],
                condition=Q(status="published"),
                name="run_one_published_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_kind_display()} #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.status in (RunStatus.DRAFT, RunStatus.NOTICE, RunStatus.PUBLISHED, RunStatus.SUPERSEDED):
            return 100
        return int(100 * self.chunks_done / self.chunks_total) if self.chunks_total else 0

    @property
    def is_frozen(self) -> bool:
        return self.status in (RunStatus.PUBLISHED, RunStatus.SUPERSEDED)

    @property
    def in_notice_period(self) -> bool:
        """公示中 and the notice period not over yet: it cannot be published today."""
        return (
            self.status == RunStatus.NOTICE
            and self.notice_until is not None
            and timezone.localdate() <= self.notice_until
        )


class BreakdownField(models.TextField):
    """The breakdown as compact JSON text: read back as a list like a JSONField, but stored as
    text — PostgreSQL parsing 5,000 jsonb documents was a third of a quarter's job, and nothing
    queries inside a breakdown."""

    def from_db_value(self, value, expression, connection):
        return json.loads(value) if value else []

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value) if value else []
        return value if value is not None else []

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ScoreResultQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(run__status=RunStatus.PUBLISHED)


class ScoreResult(models.Model):
    """One unit's (or branch's) score in one run, with the breakdown by indicator.

    ``breakdown`` is a list of ``{"code", "name", "kind", "element", "source", "raw", "points",
    "max", "link"}`` — the source of every point. Rows of a published run are never rewritten.
    """

    # No single-column indexes on run, organization or total: the unique (run, organization) and
    # (organization, kind, period) indexes serve those lookups, and every index is paid for by
    # each of the 5,000 rows a quarter's run writes.
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="results", db_index=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    township = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    domain = models.CharField(max_length=20, blank=True)
    period = models.CharField(_("考核期"), max_length=8)
    kind = models.CharField(max_length=16, choices=SchemeKind.choices)
    scheme_version = models.PositiveSmallIntegerField(_("指标体系版本"))
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("指标体系"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    base = models.DecimalField(_("基础得分"), max_digits=6, decimal_places=2)
    bonus = models.DecimalField(_("加分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    deduction = models.DecimalField(_("扣分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    innovation = models.BooleanField(_("有创新项目"), default=False)
    grade = models.CharField(_("等次代码"), max_length=20)
    grade_label = models.CharField(_("等次"), max_length=20)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0)
    lagging = models.BooleanField(_("后进"), default=False)
    rank_city = models.PositiveIntegerField(_("全市排名"), null=True, blank=True)
    rank_township = models.PositiveIntegerField(_("乡镇内排名"), null=True, blank=True)
    rank_domain = models.PositiveIntegerField(_("领域内排名"), null=True, blank=True)
    breakdown = BreakdownField(_("得分明细"), default=list)

    objects = ScoreResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("得分")
        verbose_name_plural = _("得分")
        ordering = ["-total", "organization_id"]
        constraints = [models.UniqueConstraint(fields=["run", "organization"], name="result_unique_per_run")]
        indexes = [
            models.Index(fields=["organization", "kind", "period"], name="result_org_kind_period"),
            models.Index(fields=["run", "township"], name="result_run_township"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period} {self.total}"


# --- 后进整改方案 (rectification plan of a lagging branch or unit) -------------------------------


class RectificationPlan(models.Model):
    """整改方案: what a 后进 branch (or unit) will do in a year to catch up — the plan, who answers
    for it, by when, and how far it has come. Written by the unit itself or the level above
    (``services.rectification_plan_save``, audited); the lagging list shows it beside the score."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    plan = models.TextField(_("整改方案"))
    responsible = models.CharField(_("责任人"), max_length=40)
    deadline = models.DateField(_("完成时限"))
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    progress_note = models.CharField(_("进展情况"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后进整改方案")
        verbose_name_plural = _("后进整改方案")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="rectification_plan_one_per_year"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="rectification_plan_progress_max"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} 整改方案"

    def is_overdue(self, today=None) -> bool:
        return self.progress < 100 and self.deadline < (today or timezone.localdate())
