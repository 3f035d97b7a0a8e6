"""党费 (Party dues): the rate rules as data, each member's monthly base, and monthly payments.

The rule in force is 中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号,
from 1 April 2008): 第二条 the ladder on the monthly after-tax salary, 第五条 retirees, 第六条 fixed
amounts for farmers, students, the unemployed and those living on relief. A rule is a set of bands
(``DuesBand``) per payer kind; a salary band is chosen by its inclusive upper bound ("3000元以下
（含3000元）"), a fixed band gives the range of the monthly amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

CENT = Decimal("0.01")


class PayerKind(models.TextChoices):
    SALARIED = "salaried", _("在职（按月领取工资、年薪制、个体经营者）")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("依靠抚恤、救济或领取最低生活保障金")


FIXED_KINDS = (PayerKind.FARMER, PayerKind.STUDENT, PayerKind.UNEMPLOYED, PayerKind.RELIEF)


class DuesRule(models.Model):
    """A dues regulation (the ladder is data, replaced by a new rule, never edited in place)."""

    name = models.CharField(_("名称"), max_length=120)
    document = models.CharField(_("文号"), max_length=60, blank=True)
    effective_from = models.DateField(_("施行日期"), unique=True)

    class Meta:
        verbose_name = _("党费交纳规定")
        verbose_name_plural = _("党费交纳规定")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name

    def amount_for(self, kind: str, base: Decimal | None, fixed: Decimal | None = None) -> Decimal:
        """The monthly amount for a payer of ``kind`` with monthly ``base`` (salary kinds) or the
        chosen ``fixed`` amount (fixed kinds, inside the band's range; its minimum if not given)."""
        bands = [b for b in self.bands.all() if b.kind == kind]
        if not bands:
            raise ValueError(kind)
        if kind in FIXED_KINDS:
            band = bands[0]
            value = band.fixed_min if fixed is None else Decimal(fixed)
            if not (band.fixed_min <= value <= band.fixed_max):
                raise ValueError(value)
            return value.quantize(CENT)
        base = Decimal(base or 0)
        for band in sorted(bands, key=lambda b: (b.upper is None, b.upper or 0)):
            if band.upper is None or base <= band.upper:
                return (base * band.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        raise ValueError(base)


class DuesBand(models.Model):
    """One band of a rule: a salary band (``upper`` inclusive, ``None`` for "以上") with its
    percentage, or a fixed monthly amount range for farmers, students, the unemployed."""

    rule = models.ForeignKey(DuesRule, on_delete=models.CASCADE, related_name="bands")
    kind = models.CharField(_("交纳类别"), max_length=12, choices=PayerKind.choices)
    upper = models.DecimalField(
        _("月收入上限（含，元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(_("交纳比例（%）"), max_digits=5, decimal_places=2, default=0)
    fixed_min = models.DecimalField(
        _("固定金额下限（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    fixed_max = models.DecimalField(
        _("固定金额上限（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    article = models.CharField(_("依据条款"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("党费交纳比例")
        verbose_name_plural = _("党费交纳比例")
        ordering = ["rule", "kind", "upper"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.upper or ''} {self.percent}%"


class DuesProfile(models.Model):
    """A member's dues basis: payer kind and monthly base (or the chosen fixed amount), and the
    monthly amount it gives under the rule in force (kept so a whole branch prefills in one query)."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="dues_profile")
    kind = models.CharField(_("交纳类别"), max_length=12, choices=PayerKind.choices)
    base = models.DecimalField(_("月交纳基数（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField(
        _("固定金额（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    monthly = models.DecimalField(_("每月应交（元）"), max_digits=10, decimal_places=2)
    rule = models.ForeignKey(DuesRule, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("核定时间"), auto_now=True)

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")


class PaymentSource(models.TextChoices):
    SINGLE = "single", _("逐人登记")
    BRANCH = "branch", _("支部批量登记")
    BANK = "bank", _("银行流水导入")


class DuesImport(models.Model):
    """One bank-statement import: who, when, from where, what file, how many rows and yuan."""

    filename = models.CharField(_("文件名"), max_length=120)
    rows = models.PositiveIntegerField(_("笔数"), default=0)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费流水导入")
        verbose_name_plural = _("党费流水导入")
        ordering = ["-imported_at"]


class DuesPaymentQuerySet(ScopedQuerySet):
    pass


class DuesPayment(models.Model):
    """One member's dues for one month (``month`` is its first day). The organization is the one
    the member belonged to when paying: totals stay with it after a transfer."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_payments")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("党费月份"))
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    due = models.DecimalField(_("应交（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("交纳日期"))
    on_time = models.BooleanField(_("按月交纳"), default=True)
    source = models.CharField(_("登记方式"), max_length=8, choices=PaymentSource.choices)
    reference = models.CharField(_("交易流水号"), max_length=60, blank=True)
    batch = models.ForeignKey(DuesImport, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DuesPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["-month", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_member_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_payment_positive"),
        ]
        indexes = [
            models.Index(fields=["month", "organization", "on_time", "amount"], name="dues_month_org_amount"),
            # A month's payment of each member with its amount, read from the index alone.
            models.Index(fields=["member", "month", "amount"], name="dues_member_month_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount}"
