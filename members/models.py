"""Party members (党员花名册). The resident ID is encrypted at rest and looked up by blind index."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Element, Organization
from branches.scoping import ScopedQuerySet

from . import resident_id
from .crypto import EncryptedCharField, blind_index


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Category(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    FLOATING = "floating", _("流动")
    TRANSFERRED = "transferred", _("转出")
    LEFT = "left", _("出党")
    DECEASED = "deceased", _("去世")


CURRENT_STATUSES = (MemberStatus.NORMAL, MemberStatus.FLOATING)


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class MemberQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(status__in=CURRENT_STATUSES)

    def in_subtree(self, org: Organization):
        return self.filter(organization__path__startswith=org.path)

    def with_resident_id(self, value: str):
        return self.filter(resident_id_hash=blind_index(resident_id.normalize(value)))


class Member(resident_id.ResidentIdMixin, models.Model):
    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    resident_id = EncryptedCharField(_("公民身份号码"))
    resident_id_hash = models.CharField(max_length=64, editable=False, db_index=True)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    category = models.CharField(_("党员类别"), max_length=16, choices=Category.choices, default=Category.FULL)
    status = models.CharField(
        _("党员状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members"
    )
    eid_authenticated = models.BooleanField(_("电子身份认证"), default=False)
    eid_authenticated_on = models.DateField(_("认证日期"), null=True, blank=True)
    in_difficulty = models.BooleanField(_("困难党员"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organization_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident_id_hash"],
                condition=Q(status__in=["normal", "floating"]),
                name="member_unique_current_resident_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="member_org_status"),
            # Covers the per-organization roll-ups (member_rates) without touching the table.
            models.Index(
                fields=["organization", "status", "category", "eid_authenticated", "in_difficulty"],
                name="member_rollup_cover",
            ),
            # Covers who owed a month's dues (党费 unpaid list, the whole city without the table).
            models.Index(fields=["status", "joined_on", "organization"], name="member_due_cover"),
        ]
        permissions = [("import_member", _("可导入党员")), ("export_member", _("可导出党员"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


# --- 先锋指数 / 五星党员创评 (pioneer index, five-star member rating) -------------------------


# The five elements (五个要素) are shared vocabulary: branches.models.Element.


class Part(models.TextChoices):
    SELF = "self", _("个人自评")
    BRANCH = "branch", _("支部评议")
    MASS = "mass", _("群众评价")


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本取代")


class PioneerScheme(models.Model):
    """One year's pioneer-index scheme (data, versioned): parts' weights and star thresholds.

    A published scheme is never edited in place; a change makes a new version that supersedes it.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=80)
    status = models.CharField(
        _("状态"), max_length=12, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    self_weight = models.PositiveSmallIntegerField(_("个人自评权重（%）"), default=20)
    branch_weight = models.PositiveSmallIntegerField(_("支部评议权重（%）"), default=50)
    mass_weight = models.PositiveSmallIntegerField(_("群众评价权重（%）"), default=30)
    star1_min = models.DecimalField(_("一星最低分"), max_digits=5, decimal_places=1, default=60)
    star2_min = models.DecimalField(_("二星最低分"), max_digits=5, decimal_places=1, default=70)
    star3_min = models.DecimalField(_("三星最低分"), max_digits=5, decimal_places=1, default=80)
    star4_min = models.DecimalField(_("四星最低分"), max_digits=5, decimal_places=1, default=88)
    star5_min = models.DecimalField(_("五星最低分"), max_digits=5, decimal_places=1, default=95)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("先锋指数方案")
        verbose_name_plural = _("先锋指数方案")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="pioneer_scheme_year_version"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(status="published"), name="pioneer_scheme_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name} v{self.version}"

    @property
    def thresholds(self) -> list:
        return [self.star1_min, self.star2_min, self.star3_min, self.star4_min, self.star5_min]

    @property
    def part_weights(self) -> dict:
        return {Part.SELF: self.self_weight, Part.BRANCH: self.branch_weight, Part.MASS: self.mass_weight}

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.self_weight + self.branch_weight + self.mass_weight != 100:
            errors["self_weight"] = _("个人自评、支部评议、群众评价的权重之和必须为 100。")
        t = self.thresholds
        if any(v is None for v in t) or any(not (0 < t[i] < t[i + 1] <= 100) for i in range(4)):
            errors["star1_min"] = _("星级最低分须满足 0 < 一星 < 二星 < 三星 < 四星 < 五星 ≤ 100。")
        if self.pk and self.status != SchemeStatus.DRAFT:
            stored = PioneerScheme.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in (SchemeStatus.PUBLISHED, SchemeStatus.SUPERSEDED) and stored == self.status:
                errors["status"] = _("已发布的方案不能直接修改，请复制为新版本后再修改并发布。")
        if errors:
            raise ValidationError(errors)

    def stars_for(self, total) -> int:
        stars = 0
        for i, t in enumerate(self.thresholds, start=1):
            if total >= t:
                stars = i
        return stars


class PioneerIndicator(models.Model):
    """An indicator of a scheme, grouped by element; weights of a scheme's indicators add to 100.

    A veto indicator (清零项, e.g. 违纪违法) has no weight: ticking it zeroes the member's index.
    """

    scheme = models.ForeignKey(PioneerScheme, on_delete=models.CASCADE, related_name="indicators")
    element = models.CharField(_("要素"), max_length=12, choices=Element.choices)
    name = models.CharField(_("指标"), max_length=80)
    weight = models.PositiveSmallIntegerField(_("分值"), default=0)
    is_veto = models.BooleanField(_("清零项"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # Where the value comes from: entered in the grid, or computed from records (members/participation.py).
    source = models.CharField(_("数据来源"), max_length=16, blank=True, default="", choices=[
        ("", _("评议录入")),
        ("participation", _("系统计算：按时交纳党费、参加组织生活（无记录时用评议录入值）")),
    ])  # fmt: skip

    class Meta:
        verbose_name = _("先锋指数指标")
        verbose_name_plural = _("先锋指数指标")
        ordering = ["scheme", "order", "id"]

    def __str__(self) -> str:
        return self.name


class PioneerEntry(models.Model):
    """One part's assessment of one member under one scheme: a 0–100 value per indicator."""

    scheme = models.ForeignKey(PioneerScheme, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pioneer_entries")
    part = models.CharField(_("评价方式"), max_length=8, choices=Part.choices)
    values = models.JSONField(_("指标得分"), default=dict)
    vetoed = models.BooleanField(_("触发清零项"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("先锋指数评价")
        verbose_name_plural = _("先锋指数评价")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "member", "part"], name="pioneer_entry_unique")
        ]


class PioneerScoreQuerySet(ScopedQuerySet):
    scope_field = "member__organization__path"


class PioneerScore(models.Model):
    """A member's pioneer index for a year (0–100) with its stars and breakdown (五星党员)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pioneer_scores")
    scheme = models.ForeignKey(PioneerScheme, on_delete=models.PROTECT, related_name="scores")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    total = models.DecimalField(_("先锋指数"), max_digits=5, decimal_places=1)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0)
    vetoed = models.BooleanField(_("清零"), default=False)
    breakdown = models.JSONField(_("得分明细"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    objects = PioneerScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("先锋指数")
        verbose_name_plural = _("先锋指数")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="pioneer_score_member_year")]
        indexes = [models.Index(fields=["year", "member", "stars"], name="pioneer_year_member_stars")]


# --- 困难党员关爱 (care for members in difficulty) --------------------------------------------


class CareQuerySet(ScopedQuerySet):
    scope_field = "member__organization__path"


class CareVisit(models.Model):
    """润心走访: a visit to a member in difficulty."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_visits")
    visited_on = models.DateField(_("走访日期"))
    visitor = models.CharField(_("走访人"), max_length=60)
    notes = models.TextField(_("走访情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("润心走访")
        verbose_name_plural = _("润心走访")
        ordering = ["-visited_on", "-id"]


class CarePayment(models.Model):
    """关爱资金: a care-fund payment to a member in difficulty."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_payments")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("发放日期"))
    approver = models.CharField(_("审批人"), max_length=60)
    notes = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("关爱资金")
        verbose_name_plural = _("关爱资金")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="care_payment_positive")]


# A member's life beyond the roster (records, development, transfers, floating) lives in its own
# module so it can grow without touching the roster's models.
# 党费 and the member card live in their own modules (models registered with this app).
from .cards import CheckIn, MemberCard  # noqa: E402, F401
from .dues import DuesBand, DuesImport, DuesPayment, DuesProfile, DuesRule  # noqa: E402, F401
from .models_floating import FloatDirection, FloatingContact, FloatingRecord  # noqa: E402, F401
from .models_life import (  # noqa: E402, F401
    Development,
    DevelopmentStep,
    DevStage,
    DevStatus,
    FamilyRecord,
    PositionRecord,
    RewardRecord,
    TrainingRecord,
    Transfer,
    TransferKind,
    TransferStatus,
    TripRecord,
)
