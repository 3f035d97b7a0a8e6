"""Indicator schemes, qualified-branch standards, inspections and rectification, mass evaluation,
duty reports and computed scores (督查考核).

Schemes are data: a ``Scheme`` (year × kind × version) holds ``Indicator`` rows — each names a
*source* (a set-based aggregation in ``assessments.sources``) and how its raw value maps to points —
and ``GradeBand`` rows (stars / grades with thresholds, the innovation requirement and quotas).
A published scheme is never edited in place; a new version supersedes it.

Scores are computed by ``ScoreRun`` jobs (state in the database, resumable) into ``ScoreResult``
rows that keep their breakdown and the scheme version. Published runs are frozen.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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
        from .sources import known_source

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
        from .sources import get_source

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


# --- qualified-branch standards (合格支部标准) -------------------------------------------------------


class StandardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Standard(models.Model):
    """合格支部标准 of a domain and year. A draft (a copied year being edited) is seen by nobody
    but the department: branches self-check, the level above verifies and scores count only
    published standards."""

    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=120)
    status = models.CharField(
        _("状态"), max_length=10, choices=StandardStatus.choices, default=StandardStatus.PUBLISHED
    )

    class Meta:
        verbose_name = _("合格支部标准")
        verbose_name_plural = _("合格支部标准")
        constraints = [models.UniqueConstraint(fields=["domain", "year"], name="standard_unique_domain_year")]

    def __str__(self) -> str:
        return self.name


class StandardItem(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("标准条目"), max_length=300)
    element = models.CharField(_("要素"), max_length=12, choices=Element.choices, default=Element.OTHER)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["standard", "sort_order", "id"]
        verbose_name = _("标准条目")
        verbose_name_plural = _("标准条目")

    def __str__(self) -> str:
        return self.text


class StandardCheck(models.Model):
    """A branch's self-check of one item, and the level above's verification."""

    item = models.ForeignKey(StandardItem, on_delete=models.CASCADE, related_name="checks")
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    self_met = models.BooleanField(_("自查达标"), default=False)
    self_note = models.CharField(_("自查说明"), max_length=300, blank=True)
    self_at = models.DateTimeField(null=True, blank=True)
    self_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("自查人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("代表本单位自查的人不能再核定该项（职责分离）。"),
    )
    verified_met = models.BooleanField(_("核查达标"), null=True, blank=True)
    verify_note = models.CharField(_("核查意见"), max_length=300, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("标准自查")
        verbose_name_plural = _("标准自查")
        constraints = [models.UniqueConstraint(fields=["item", "organization"], name="check_unique")]
        indexes = [models.Index(fields=["organization", "verified_met"], name="check_org_verified")]


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


# --- mass evaluation and duty reports ------------------------------------------------------------


class PublicPage(models.Model):
    """A unit's public key: the survey link and QR code carry this, never the organization id."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=24, unique=True)

    objects = ScopedQuerySet.as_manager()

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(12)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class AnswerChannel(models.TextChoices):
    DEVICE = "device", _("扫码（每台设备一次）")
    BALLOT = "ballot", _("一次性评价票")


class SurveyResponse(models.Model):
    """群众评价: one answer per device (or per one-time ballot) per unit per period; no personal
    data (keyed hashes only). ``flagged``: one of a burst from one network address and one kind of
    phone (a cookie dropped to vote again looks like this) — shown apart, not counted."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("考核期"), max_length=8)
    answered_on = models.DateField(_("日期"), default=timezone.localdate)
    rating = models.CharField(_("评价"), max_length=12, choices=Satisfaction.choices)
    comment = models.CharField(_("意见建议"), max_length=500, blank=True)
    voter_hash = models.CharField(max_length=64)
    channel = models.CharField(
        _("评价方式"), max_length=8, choices=AnswerChannel.choices, default=AnswerChannel.DEVICE
    )
    source_hash = models.CharField(max_length=32, blank=True, default="")
    flagged = models.BooleanField(_("疑似集中提交"), default=False)
    at = models.DateTimeField(_("提交时间"), null=True, blank=True, default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period", "voter_hash"], name="survey_one_per_voter"
            ),
        ]
        indexes = [models.Index(fields=["organization", "period"], name="survey_org_period")]


class DutyReport(models.Model):
    """述职: the secretary's yearly report on Party-building responsibility, shown publicly."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("述职内容"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("述职报告")
        verbose_name_plural = _("述职报告")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="duty_report_one_per_year")
        ]

    def __str__(self) -> str:
        return self.title


class DutyRating(models.Model):
    class Rater(models.TextChoices):
        MEMBER = "member", _("党员")
        PUBLIC = "public", _("群众")

    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="ratings")
    rater = models.CharField(_("评议人身份"), max_length=8, choices=Rater.choices)
    rating = models.CharField(_("评议"), max_length=12, choices=Satisfaction.choices)
    voter_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(
        _("评价方式"), max_length=8, choices=AnswerChannel.choices, default=AnswerChannel.DEVICE
    )
    source_hash = models.CharField(max_length=32, blank=True, default="")
    flagged = models.BooleanField(_("疑似集中提交"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "voter_hash"], name="duty_rating_one_per_voter")
        ]


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


# Models in a module of their own, imported here so the app registry loads them.
from .ballots_models import Ballot, BallotBatch  # noqa: E402, F401
