"""The pilot plan (三年试点): plan, years, annual goals and the tasks (重点工作任务) it names."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Domain, Element, Level, Organization


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
