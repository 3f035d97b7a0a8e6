"""Village collective economy: yearly income and the measures taken to raise it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.scoping import ScopedQuerySet

from .base import User, _org_fk


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
