"""The pilot plan (三年试点) and the work it names.

Plan → years (theme, annual goals with targets as data) → tasks (重点工作任务: element, function,
cadence, applicability) → one ``ChecklistItem`` per (organization, task, month) — the monthly
checklist (一月一清单) — with append-only ``ProgressReport`` rows, ``Evidence`` files and
``Review`` decisions. Status, due date, submitted/accepted times and lateness are real indexed
columns on the item so scores (assessments) and reports can aggregate them in SQL.

Also here: the secretary's pocketbook (书记责任口袋书), village collective economy, activities
(主题党日, 三会一课, 组织生活会), service-center projects, brands, honors, funding, the leading
group's weekly meetings (一周一例会) and notices (通知).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Domain, Element, Level, Organization
from branches.scoping import ScopedQuerySet, scope_q

User = settings.AUTH_USER_MODEL


def _org_fk(related_name: str, verbose=None):
    return models.ForeignKey(
        Organization, verbose_name=verbose or _("党组织"), on_delete=models.PROTECT, related_name=related_name
    )


# --- plan, years, goals ------------------------------------------------------------------------
class Plan(models.Model):
    """三年试点方案."""

    name = models.CharField(_("方案名称"), max_length=120)
    start_year = models.PositiveSmallIntegerField(_("起始年份"))
    end_year = models.PositiveSmallIntegerField(_("结束年份"))
    overall_goal = models.TextField(_("总体目标"), blank=True)

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("试点方案")
        verbose_name_plural = _("试点方案")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.end_year and self.start_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("结束年份不能早于起始年份。")})


class PlanYear(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("试点方案"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    theme = models.CharField(_("年度主题"), max_length=60, help_text=_("如：标准强化年"))
    summary = models.TextField(_("年度工作要点"), blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("试点年度")
        verbose_name_plural = _("试点年度")

    def __str__(self) -> str:
        return f"{self.year} {self.theme}"


class GoalMetric(models.TextChoices):
    """How a goal's attainment is computed from data (see ``pilot.selectors.goal_attainment``)."""

    EID_COVERAGE = "eid_coverage", _("党员电子身份认证覆盖率（%）")
    FIVE_STAR_COVERAGE = "five_star_coverage", _("五星党员创评覆盖率（%）")
    VILLAGE_INCOME = "village_income", _("村级集体经济收入达标村占比（%）")
    CENTERS_BUILT = "centers_built", _("党员群众服务中心建成数（个）")
    CHECKLIST_COMPLETION = "checklist_completion", _("一月一清单完成率（%）")
    BRANDS_PUBLISHED = "brands_published", _("党建品牌发布数（个）")


class AnnualGoal(models.Model):
    """年度目标: the target is data; attainment is computed, never typed in."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="goals"
    )
    metric = models.CharField(_("指标"), max_length=32, choices=GoalMetric.choices)
    name = models.CharField(_("目标名称"), max_length=120)
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    threshold = models.DecimalField(
        _("达标线"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("村级集体经济：每村收入不低于此值（万元）视为达标。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["plan_year", "sort_order", "id"]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "metric"], name="pilot_goal_unique_metric")
        ]

    def __str__(self) -> str:
        return self.name


# --- tasks -------------------------------------------------------------------------------------
# The five elements (五个要素) are shared vocabulary: branches.models.Element.


class Function(models.TextChoices):
    POLITICAL = "political", _("政治功能")
    SERVICE = "service", _("服务功能")


class Cadence(models.TextChoices):
    ONCE = "once", _("一次性（限期完成）")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The task list is public to every signed-in person; their checklist items are scoped.
        return self if getattr(user, "is_authenticated", False) else self.none()

    def active(self):
        return self.filter(is_active=True)


class Task(models.Model):
    """重点工作任务: 6 common tasks (共性任务) for every unit plus tasks per domain."""

    plan_year = models.ForeignKey(
        PlanYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="tasks"
    )
    code = models.CharField(_("任务编号"), max_length=20)
    title = models.CharField(_("任务名称"), max_length=120)
    description = models.TextField(_("任务要求"), blank=True)
    element = models.CharField(_("要素"), max_length=12, choices=Element.choices, db_index=True)
    function = models.CharField(_("功能"), max_length=12, choices=Function.choices, db_index=True)
    cadence = models.CharField(_("频次"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)
    due_date = models.DateField(_("完成期限"), null=True, blank=True, help_text=_("一次性任务必填。"))
    due_day = models.PositiveSmallIntegerField(
        _("每期截止日"), default=25, help_text=_("每月（季末月）的第几日截止，1–28。")
    )
    is_common = models.BooleanField(_("共性任务"), default=False, help_text=_("适用于所有领域。"))
    domains = models.JSONField(_("适用领域"), default=list, blank=True, help_text=_("共性任务可留空。"))
    levels = models.JSONField(_("适用层级"), default=list, blank=True, help_text=_("留空表示基层党组织。"))
    excluded_orgs = models.ManyToManyField(
        Organization, verbose_name=_("例外（不适用）组织"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["plan_year", "sort_order", "code"]
        verbose_name = _("重点工作任务")
        verbose_name_plural = _("重点工作任务")
        constraints = [models.UniqueConstraint(fields=["plan_year", "code"], name="pilot_task_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self):
        if self.cadence == Cadence.ONCE and not self.due_date:
            raise ValidationError({"due_date": _("一次性任务须填写完成期限。")})
        if not 1 <= (self.due_day or 0) <= 28:
            raise ValidationError({"due_day": _("每期截止日须在 1 到 28 之间。")})
        bad = [d for d in self.domains or [] if d not in Domain.values]
        if bad:
            raise ValidationError({"domains": _("未知领域：%(d)s") % {"d": "、".join(bad)}})
        bad = [v for v in self.levels or [] if v not in Level.values]
        if bad:
            raise ValidationError({"levels": _("未知层级：%(d)s") % {"d": "、".join(bad)}})
        if self.plan_year_id and self.due_date and self.due_date.year != self.plan_year.year:
            raise ValidationError({"due_date": _("完成期限须在本年度内。")})

    def applies_in(self, period: date) -> bool:
        """Whether this task is due in the month starting ``period``."""
        if period.year != self.plan_year.year or not self.is_active:
            return False
        if self.cadence == Cadence.MONTHLY:
            return True
        if self.cadence == Cadence.QUARTERLY:
            return period.month in (3, 6, 9, 12)
        return bool(self.due_date) and self.due_date.month == period.month

    def due_in(self, period: date) -> date:
        if self.cadence == Cadence.ONCE and self.due_date:
            return self.due_date
        return period.replace(day=self.due_day)

    @property
    def effective_levels(self) -> list[str]:
        return list(self.levels or [Level.UNIT])


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


# --- village collective economy ---------------------------------------------------------------
class IncomeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待乡镇确认")
    RETURNED = "returned", _("已退回")
    CONFIRMED = "confirmed", _("已确认")


class CollectiveIncome(models.Model):
    """村级集体经济收入 per village per year (万元)."""

    organization = _org_fk("collective_incomes", _("村党组织"))
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    income = models.DecimalField(_("集体经济收入（万元）"), max_digits=10, decimal_places=2)
    target = models.DecimalField(_("目标（万元）"), max_digits=10, decimal_places=2)
    is_lagging = models.BooleanField(_("后进村"), default=False)
    is_weak = models.BooleanField(_("经济薄弱村"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The village reports its figure, the township confirms it (or returns it with a reason); only
    # confirmed figures count in the statistics and the scores (pilot/entry_services.py).
    status = models.CharField(
        _("状态"), max_length=10, choices=IncomeStatus.choices, default=IncomeStatus.CONFIRMED
    )
    reported_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "organization"]
        verbose_name = _("村级集体经济收入")
        verbose_name_plural = _("村级集体经济收入")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="pilot_income_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"

    @property
    def below_target(self) -> bool:
        return self.income < self.target


class IncomeMeasure(models.Model):
    """The township's measure (措施) to lift a village below target."""

    income = models.ForeignKey(
        CollectiveIncome, verbose_name=_("收入记录"), on_delete=models.CASCADE, related_name="measures"
    )
    organization = _org_fk("+", _("村党组织"))
    content = models.CharField(_("措施"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=40, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    done = models.BooleanField(_("已落实"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")

    def __str__(self) -> str:
        return self.content


# --- activities --------------------------------------------------------------------------------
class ActivityKind(models.TextChoices):
    THEME_DAY = "theme_day", _("主题党日")
    MEMBERS_MEETING = "members_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    LIFE_MEETING = "life_meeting", _("组织生活会")


class Activity(models.Model):
    organization = _org_fk("activities")
    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices, db_index=True)
    held_on = models.DateField(_("日期"), db_index=True)
    topic = models.CharField(_("主题"), max_length=200)
    notes = models.TextField(_("内容摘要"), blank=True)
    attendees = models.ManyToManyField(
        "members.Member", verbose_name=_("参加党员"), blank=True, related_name="+"
    )
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    attended = models.PositiveIntegerField(_("实到人数"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("组织活动")
        verbose_name_plural = _("组织活动")
        indexes = [models.Index(fields=["organization", "held_on"], name="pilot_activity_org_date")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


# --- service centers, brands, honors, funding ---------------------------------------------------
class CenterKind(models.TextChoices):
    CENTER = "center", _("党员群众服务中心")
    PARK = "park", _("主题公园")
    HALL = "hall", _("文化礼堂")
    SQUARE = "square", _("文化广场")
    CORRIDOR = "corridor", _("文化长廊")


class CenterStage(models.TextChoices):
    PLANNED = "planned", _("规划设计")
    BUILDING = "building", _("施工建设")
    FITTING = "fitting", _("功能配套")
    DONE = "done", _("建成使用")


class ServiceCenterProject(models.Model):
    organization = _org_fk("center_projects")
    name = models.CharField(_("项目名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=12, choices=CenterKind.choices, default=CenterKind.CENTER)
    is_new_build = models.BooleanField(_("新建"), default=True, help_text=_("否则为改扩建。"))
    stage = models.CharField(
        _("阶段"), max_length=12, choices=CenterStage.choices, default=CenterStage.PLANNED
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    budget = models.DecimalField(_("预算（万元）"), max_digits=10, decimal_places=2, default=0)
    spent = models.DecimalField(_("已支出（万元）"), max_digits=10, decimal_places=2, default=0)
    area_m2 = models.PositiveIntegerField(_("面积（平方米）"), null=True, blank=True)
    completed_on = models.DateField(_("建成日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organization", "id"]
        verbose_name = _("阵地建设项目")
        verbose_name_plural = _("阵地建设项目")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.stage == CenterStage.DONE and not self.completed_on:
            raise ValidationError({"completed_on": _("建成使用的项目须填写建成日期。")})


class BrandKind(models.TextChoices):
    VILLAGE = "village", _("一村一亮点")
    TOWNSHIP = "township", _("一乡镇一特色")
    BRANCH = "branch", _("一支部一品牌")


class BrandQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def visible_to(self, user):
        """Brands in the user's subtrees, plus every published one (the city-wide showcase)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(scope_q(user, "organization__path") | models.Q(published_at__isnull=False))

    def in_scope(self, user):
        return super().visible_to(user)


class Brand(models.Model):
    """党建品牌 with the six parts the speech lists; publishable to the city-wide showcase."""

    organization = _org_fk("brands")
    kind = models.CharField(_("类别"), max_length=12, choices=BrandKind.choices, default=BrandKind.BRANCH)
    name = models.CharField(_("品牌名称"), max_length=80)
    concept = models.TextField(_("理念"), blank=True)
    theory = models.TextField(_("理论支撑"), blank=True)
    method = models.TextField(_("方法路径"), blank=True)
    vehicle = models.TextField(_("活动载体"), blank=True)
    vision = models.TextField(_("成效愿景"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = BrandQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("党建品牌")
        verbose_name_plural = _("党建品牌")

    def __str__(self) -> str:
        return self.name


class BrandCase(models.Model):
    """典型个案 (the sixth part), with an optional photo."""

    brand = models.ForeignKey(Brand, verbose_name=_("品牌"), on_delete=models.CASCADE, related_name="cases")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    photo = models.FileField(_("照片"), upload_to="pilot/brands/%Y/", blank=True, max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("典型个案")
        verbose_name_plural = _("典型个案")

    def __str__(self) -> str:
        return self.title


class HonorLevel(models.TextChoices):
    COUNTY = "county", _("县（区）级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("国家级")


HONOR_RANK = {HonorLevel.COUNTY: 1, HonorLevel.CITY: 2, HonorLevel.PROVINCE: 3, HonorLevel.NATIONAL: 4}


class HonorTarget(models.Model):
    """争创目标: the level a unit aims for."""

    organization = _org_fk("honor_targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    target_level = models.CharField(_("争创等级"), max_length=10, choices=HonorLevel.choices)
    title = models.CharField(_("争创称号"), max_length=120, default="先进基层党组织")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "organization"]
        verbose_name = _("争创目标")
        verbose_name_plural = _("争创目标")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="pilot_honor_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_target_level_display()}{self.title}"


class Honor(models.Model):
    organization = _org_fk("honors")
    level = models.CharField(_("等级"), max_length=10, choices=HonorLevel.choices)
    title = models.CharField(_("荣誉称号"), max_length=120)
    issuer = models.CharField(_("授予单位"), max_length=120, blank=True)
    awarded_on = models.DateField(_("授予日期"), db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_on"]
        verbose_name = _("所获荣誉")
        verbose_name_plural = _("所获荣誉")

    def __str__(self) -> str:
        return self.title


class FundingCategory(models.TextChoices):
    CENTER = "center", _("阵地建设")
    EDUCATION = "education", _("党员教育")
    CARE = "care", _("关爱帮扶")
    ACTIVITY = "activity", _("活动经费")
    OTHER = "other", _("其他")


class FundingRecord(models.Model):
    """保障: spend per organization and year."""

    organization = _org_fk("funding_records")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    category = models.CharField(_("类别"), max_length=12, choices=FundingCategory.choices)
    amount = models.DecimalField(_("金额（万元）"), max_digits=10, decimal_places=2)
    spent_on = models.DateField(_("日期"))
    source = models.CharField(_("资金来源"), max_length=80, blank=True)
    note = models.CharField(_("用途说明"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("经费保障")
        verbose_name_plural = _("经费保障")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.amount}"


# --- weekly meetings (一周一例会) --------------------------------------------------------------
class WeeklyMeeting(models.Model):
    organization = _org_fk("weekly_meetings", _("领导小组（办公室）所在组织"))
    held_on = models.DateField(_("会议日期"), db_index=True)
    topic = models.CharField(_("议题"), max_length=200)
    minutes = models.TextField(_("会议纪要"), blank=True)
    attendees = models.CharField(_("参会人员"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("周例会")
        verbose_name_plural = _("周例会")

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("推进中")
    DONE = "done", _("已办结")


class MeetingDecision(models.Model):
    """A decision of the weekly meeting, tracked to completion."""

    meeting = models.ForeignKey(
        WeeklyMeeting, verbose_name=_("例会"), on_delete=models.CASCADE, related_name="decisions"
    )
    organization = _org_fk("+", _("责任组织"))
    content = models.CharField(_("议定事项"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=40)
    due_date = models.DateField(_("完成时限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    result = models.CharField(_("办理结果"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_date", "id"]
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")

    def __str__(self) -> str:
        return self.content


# --- notices (通知) -----------------------------------------------------------------------------
class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sent from the user's subtree, or addressed to an organization in it."""
        sent = self.filter(scope_q(user, "sender_org__path")).values("pk")
        received = NoticeRecipient.objects.visible_to(user).values("notice_id")
        return self.filter(models.Q(pk__in=sent) | models.Q(pk__in=received))


class Notice(models.Model):
    sender_org = models.ForeignKey(
        Organization, verbose_name=_("发文组织"), on_delete=models.PROTECT, related_name="+"
    )
    sender = models.ForeignKey(User, verbose_name=_("发送人"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to="pilot/notices/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")

    def __str__(self) -> str:
        return self.original_name


class NoticeRecipient(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    organization = _org_fk("+", _("接收组织"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("通知接收")
        verbose_name_plural = _("通知接收")
        constraints = [
            models.UniqueConstraint(fields=["notice", "organization"], name="pilot_notice_recipient_once")
        ]
        indexes = [models.Index(fields=["organization", "read_at"], name="pilot_notice_unread")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.organization_id}"


# Models in modules of their own, imported here so the app registry loads them.
from .pocketbook_models import CommitmentRating  # noqa: E402, F401
