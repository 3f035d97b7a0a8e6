"""Indicator schemes: kinds, versions, indicators, grade bands and assessor entries."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import BranchType, Domain, Organization
from branches.models import Element as FiveElements
from branches.scoping import ScopedQuerySet

# --- schemes -------------------------------------------------------------------------------------


class SchemeKind(models.TextChoices):
    FORTRESS = "fortress", _("堡垒指数（党支部）")
    SUPERVISION = "supervision", _("季度督办得分")
    HALF_YEAR = "half_year", _("半年考评")
    ANNUAL = "annual", _("年度考核")


#: Which period shape each kind is computed for ("Q" quarter, "H" half-year, "Y" year).
KIND_CADENCE = {
    SchemeKind.FORTRESS: "Y",
    SchemeKind.SUPERVISION: "Q",
    SchemeKind.HALF_YEAR: "H",
    SchemeKind.ANNUAL: "Y",
}


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本取代")


class Subject(models.TextChoices):
    UNIT = "unit", _("基层党组织")
    BRANCH = "branch", _("党支部")


class VetoEffect(models.TextChoices):
    LAGGING = "lagging", _("直接定为后进，分数保留")
    ZERO = "zero", _("分数清零并定为后进")


class Scheme(models.Model):
    """考核指标体系: one version of the scheme for a year and kind."""

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类别"), max_length=16, choices=SchemeKind.choices)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    subject = models.CharField(_("考核对象"), max_length=8, choices=Subject.choices, default=Subject.UNIT)
    status = models.CharField(
        _("状态"), max_length=12, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    total_points = models.DecimalField(
        _("基础分满分"), max_digits=6, decimal_places=2, default=Decimal("100")
    )
    bonus_cap = models.DecimalField(_("加分封顶"), max_digits=6, decimal_places=2, null=True, blank=True)
    deduction_cap = models.DecimalField(_("扣分封顶"), max_digits=6, decimal_places=2, null=True, blank=True)
    veto_effect = models.CharField(
        _("一票否决的后果"), max_length=8, choices=VetoEffect.choices, default=VetoEffect.LAGGING
    )
    notice_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=5)
    # Coverage (适用范围): a scheme may apply to a subtree and/or to domains and branch types, so a
    # bureau's scheme runs beside the city's; each unit is scored by the most specific published
    # scheme that covers it (deepest subtree first, then domain / branch-type restrictions).
    scope = models.ForeignKey(
        Organization,
        verbose_name=_("适用范围（组织及其下级）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("留空为全市。"),
    )
    domains = models.JSONField(
        _("适用领域"), default=list, blank=True, help_text=_("留空为全部领域；否则只考核所选领域的单位。")
    )
    branch_types = models.ManyToManyField(
        BranchType, verbose_name=_("适用支部类型"), blank=True, related_name="+",
        help_text=_("留空为全部类型。"),
    )  # fmt: skip
    # 后进 is its own rule, not "whatever the lowest band is" (any of these makes a unit 后进).
    lagging_below = models.DecimalField(
        _("低于此分定为后进"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    lagging_bottom_percent = models.DecimalField(
        _("排名末位百分比定为后进（%）"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("如 5：本体系考核对象中总分最低的 5 %（按人数向下取整）定为后进。"),
    )  # fmt: skip
    lagging_vetoed = models.BooleanField(_("一票否决即为后进"), default=True)
    description = models.TextField(_("说明"), blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("取代的版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核指标体系")
        verbose_name_plural = _("考核指标体系")
        ordering = ["-year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind", "version"], name="scheme_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status != SchemeStatus.DRAFT

    def clean(self):
        bad = [d for d in (self.domains or []) if d not in Domain.values]
        if bad or not isinstance(self.domains or [], list):
            raise ValidationError({"domains": _("适用领域无效：%(d)s。") % {"d": "、".join(map(str, bad))}})
        if self.lagging_bottom_percent is not None and not 0 < self.lagging_bottom_percent < 100:
            raise ValidationError({"lagging_bottom_percent": _("末位百分比应在 0 到 100 之间。")})

    def coverage_label(self) -> str:
        """适用范围 in words: 全市 / the subtree, domains and branch types it is restricted to."""
        parts = [self.scope.name if self.scope_id else _("全市")]
        if self.domains:
            parts.append("、".join(str(Domain(d).label) for d in self.domains))
        types = [t.name for t in self.branch_types.all()] if self.pk else []
        if types:
            parts.append("、".join(types))
        return " · ".join(str(p) for p in parts)


# The five elements (branches.models.Element), plus 综合 for bonus, deduction and veto items.
Element = models.TextChoices(
    "Element", [(e.name, (e.value, e.label)) for e in FiveElements] + [("OTHER", ("other", _("综合")))]
)


class IndicatorKind(models.TextChoices):
    BASE = "base", _("基础指标")
    BONUS = "bonus", _("加分项")
    DEDUCTION = "deduction", _("扣分项")
    VETO = "veto", _("一票否决")


class ConditionOp(models.TextChoices):
    """A veto / 清零 condition on the indicator's raw value (blank: any value above 0 triggers)."""

    GT = "gt", _("大于")
    GE = "ge", _("大于或等于")
    LT = "lt", _("小于")
    LE = "le", _("小于或等于")
    EQ = "eq", _("等于")
    STREAK = "streak", _("连续若干个月没有（按月来源）")


class Mapping(models.TextChoices):
    LINEAR = "linear", _("线性（下限至上限折算满分）")
    THRESHOLDS = "thresholds", _("分档")
    PER_ITEM = "per_item", _("按件计分（封顶）")
    DIRECT = "direct", _("直接计分（评定录入）")
    FLAG = "flag", _("有即触发")


class Indicator(models.Model):
    """One indicator: where its raw value comes from and how it becomes points.

    ``params`` by mapping — linear: ``{"lo": 0, "hi": 1}``; thresholds: ``{"steps": [[0.9, 10],
    [0.6, 6]]}`` (raw ≥ first number gives the second as points, first match wins);
    per_item: ``{"per_item": 2, "cap": 10}``; every mapping may take ``{"default": x}``, the raw
    value used where the source has no data for a unit (e.g. no survey answers).
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("指标代码"), max_length=40)
    name = models.CharField(_("指标名称"), max_length=120)
    kind = models.CharField(
        _("类别"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.BASE
    )
    element = models.CharField(_("要素"), max_length=12, choices=Element.choices, default=Element.OTHER)
    domain = models.CharField(
        _("适用领域"), max_length=20, choices=Domain.choices, blank=True, help_text=_("留空为共性部分。")
    )
    source = models.CharField(_("数据来源"), max_length=40)
    mapping = models.CharField(_("计分方式"), max_length=12, choices=Mapping.choices, default=Mapping.LINEAR)
    weight = models.DecimalField(
        _("分值"), max_digits=6, decimal_places=2, default=Decimal("0"),
        help_text=_("基础指标的满分；加分、扣分项的封顶分值。"),
    )  # fmt: skip
    params = models.JSONField(_("参数"), default=dict, blank=True)
    condition_op = models.CharField(
        _("否决条件"), max_length=8, choices=ConditionOp.choices, blank=True,
        help_text=_("一票否决项：原始值满足条件即触发，如 满意度 小于 0.6；“连续若干个月没有”用于按月来源，"
                    "如 连续 6 个月未开展组织生活。留空为原始值大于 0 即触发。"),
    )  # fmt: skip
    condition_value = models.DecimalField(_("条件值"), max_digits=10, decimal_places=4, null=True, blank=True)
    veto_effect = models.CharField(
        _("否决后果"), max_length=8, choices=VetoEffect.choices, blank=True,
        help_text=_("留空按指标体系的设置。"),
    )  # fmt: skip
    description = models.TextField(_("计分说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"

    def clean(self):
        from ..sources import known_source

        if not known_source(self.source):
            raise ValidationError({"source": _("未知的数据来源“%(s)s”。") % {"s": self.source}})
        p = self.params or {}
        if self.mapping == Mapping.THRESHOLDS:
            steps = p.get("steps") or []
            if not steps or any(len(s) != 2 for s in steps):
                raise ValidationError({"params": _("分档计分须填写 steps，如 [[0.9, 10], [0.6, 6]]。")})
            lows = [s[0] for s in steps]
            if lows != sorted(lows, reverse=True):
                raise ValidationError({"params": _("分档的下限须从高到低排列。")})
            if any(Decimal(str(s[1])) > self.weight for s in steps):
                raise ValidationError({"params": _("分档得分不能超过指标分值。")})
        if self.mapping == Mapping.LINEAR and float(p.get("hi", 1)) <= float(p.get("lo", 0)):
            raise ValidationError({"params": _("线性计分的上限须大于下限。")})
        if self.mapping == Mapping.PER_ITEM and "per_item" not in p:
            raise ValidationError({"params": _("按件计分须填写 per_item（每件分值）。")})
        if self.condition_op and self.condition_value is None:
            raise ValidationError({"condition_value": _("设置了否决条件须填写条件值。")})
        if self.condition_op and self.kind != IndicatorKind.VETO:
            raise ValidationError({"condition_op": _("否决条件只用于一票否决项。")})
        from ..sources import get_source

        monthly = get_source(self.source).shape == "months"
        if self.condition_op == ConditionOp.STREAK and not monthly:
            raise ValidationError(
                {"condition_op": _("“连续若干个月没有”只能用于按月来源（如 pilot.life_months）。")}
            )
        if monthly and self.kind == IndicatorKind.VETO and self.condition_op != ConditionOp.STREAK:
            raise ValidationError({"condition_op": _("按月来源的否决项须用“连续若干个月没有”。")})


class GradeBand(models.Model):
    """A grade (星级/等次) reached at ``min_score``; ordered from the best down.

    ``requires_innovation``: 五星 only with the score **and** an innovation project.
    ``quota_percent``: at most this share of the units in a run (e.g. 先锋 ≤ 10 %); the rest fall
    to the next band. ``is_lagging`` marks a band that itself means 后进 (optional: the scheme's
    own lagging rule — below a score, the bottom n %, vetoed — decides the 后进 flag too; a veto
    puts a unit in the lagging band when there is one, otherwise it gets no band).
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="bands"
    )
    code = models.SlugField(_("代码"), max_length=20)
    label = models.CharField(_("名称"), max_length=20)
    min_score = models.DecimalField(_("最低分"), max_digits=6, decimal_places=2)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0)
    requires_innovation = models.BooleanField(_("须有创新项目"), default=False)
    quota_percent = models.DecimalField(
        _("名额上限（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    is_lagging = models.BooleanField(
        _("后进等次"), default=False, help_text=_("该等次本身即为后进（可不设）。")
    )

    class Meta:
        verbose_name = _("等次")
        verbose_name_plural = _("等次")
        ordering = ["scheme", "-min_score"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="band_unique_code")]

    def __str__(self) -> str:
        return f"{self.label} ≥ {self.min_score}"


class AssessorEntry(models.Model):
    """A value entered by a person for an ``entered:*`` source: 自评, 上级评定, a bonus (honors,
    typical cases), an innovation project or a veto situation — with its note and who entered it."""

    class Stage(models.TextChoices):
        SELF = "self", _("自评")
        MASS = "mass", _("党员群众测评")
        SUPERIOR = "superior", _("上级评定")

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("考核期"), max_length=8, db_index=True)
    code = models.SlugField(
        _("项目代码"), max_length=40, help_text=_("与指标的数据来源 entered:<代码> 对应。")
    )
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices, default=Stage.SUPERIOR)
    value = models.DecimalField(_("数值"), max_digits=8, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评定录入")
        verbose_name_plural = _("评定录入")
        constraints = [
            models.UniqueConstraint(fields=["organization", "period", "code", "stage"], name="entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period} {self.code}={self.value}"
