"""Service-center projects, brands and their cases, honors and funding records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.scoping import ScopedQuerySet, scope_q

from .base import User, _org_fk


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
