"""A member's life beyond the roster: repeatable records (职务、奖惩、家庭成员、培训、出国（境）),
发展党员 (the development pipeline), 组织关系转接 (transfers) and 流动党员 (floating members, in ``members/models_floating.py``).

Imported at the bottom of ``members/models.py``; the rules live in ``members/development.py``,
``members/transfers.py``, ``members/floating.py`` and ``members/records.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet, scope_q

from . import resident_id
from .crypto import EncryptedCharField
from .models import Category, Education, Gender, Member


def _user_fk(**kw):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", **kw
    )


# --- repeatable records ------------------------------------------------------------------------


class RecordQuerySet(ScopedQuerySet):
    scope_field = "member__organization__path"


class MemberRecord(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True


class PositionRecord(MemberRecord):
    """职务: a position held, with its dates."""

    title = models.CharField(_("职务名称"), max_length=60)
    unit = models.CharField(_("任职单位（组织）"), max_length=100)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("免职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["-started_on", "-id"]
        default_related_name = "positions"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="position_dates_in_order",
                violation_error_message=_("免职日期不能早于任职日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.unit}）"


class RewardKind(models.TextChoices):
    REWARD = "reward", _("奖励")
    PUNISHMENT = "punishment", _("惩处")


class RewardRecord(MemberRecord):
    """奖惩: a reward or a punishment, with the body that decided it and the document number."""

    kind = models.CharField(_("类别"), max_length=12, choices=RewardKind.choices)
    name = models.CharField(_("奖惩名称"), max_length=80)
    decided_on = models.DateField(_("批准日期"))
    deciding_body = models.CharField(_("批准机关"), max_length=100)
    document_no = models.CharField(_("批准文号"), max_length=60)
    reason = models.CharField(_("奖惩原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("奖惩")
        verbose_name_plural = _("奖惩")
        ordering = ["-decided_on", "-id"]
        default_related_name = "rewards"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("儿子")
    DAUGHTER = "daughter", _("女儿")
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    OTHER = "other", _("其他")


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE = "league", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")


class FamilyRecord(MemberRecord):
    """家庭成员: personal data of a third person — name and work unit encrypted at rest, masked on screen."""

    relation = models.CharField(_("称谓"), max_length=12, choices=Relation.choices)
    name = EncryptedCharField(_("姓名"))
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    work_unit = EncryptedCharField(_("工作单位及职务"), blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["relation", "id"]
        default_related_name = "family"

    def __str__(self) -> str:
        return f"{self.get_relation_display()} {self.name_masked}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def work_unit_masked(self) -> str:
        return mask_text(self.work_unit)


def mask_name(name: str) -> str:
    """王小明 → 王**; 阿依古丽·买买提 → 阿*******: the surname (first character) only."""
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


def mask_text(text: str) -> str:
    """A work unit shows its first two characters: 郑州市第一中学教师 → 郑州*******."""
    if not text:
        return ""
    return text[:2] + "*" * max(len(text) - 2, 1)


class TrainingRecord(MemberRecord):
    """培训: a course the member attended."""

    name = models.CharField(_("培训班名称"), max_length=100)
    organizer = models.CharField(_("主办单位"), max_length=100)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"))
    hours = models.PositiveSmallIntegerField(_("学时"), default=0)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-started_on", "-id"]
        default_related_name = "trainings"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__gte=models.F("started_on")),
                name="training_dates_in_order",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class TripPurpose(models.TextChoices):
    OFFICIAL = "official", _("因公")
    PRIVATE = "private", _("因私")


class TripRecord(MemberRecord):
    """出国（境）: a trip abroad or to Hong Kong, Macao, Taiwan."""

    destination = models.CharField(_("前往国家（地区）"), max_length=60)
    purpose = models.CharField(_("事由"), max_length=12, choices=TripPurpose.choices)
    detail = models.CharField(_("具体事由"), max_length=100, blank=True)
    left_on = models.DateField(_("出境日期"))
    returned_on = models.DateField(_("回国（入境）日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("出国（境）")
        verbose_name_plural = _("出国（境）")
        ordering = ["-left_on", "-id"]
        default_related_name = "trips"
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("left_on")),
                name="trip_dates_in_order",
                violation_error_message=_("回国（入境）日期不能早于出境日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.destination}（{self.left_on:%Y-%m-%d}）"


# --- 发展党员 ------------------------------------------------------------------------------------


class DevStage(models.TextChoices):
    """Where the person stands (the five kinds of people of the 细则)."""

    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class DevStatus(models.TextChoices):
    ACTIVE = "active", _("培养中")
    DONE = "done", _("已完成")
    STOPPED = "stopped", _("已终止")
    CANCELLED = "cancelled", _("已取消预备党员资格")


class DevelopmentQuerySet(ScopedQuerySet):
    pass


class Development(resident_id.ResidentIdMixin, models.Model):
    """One person's path from application to full membership (发展党员), 25 steps.

    The person's data is entered once, at the application, with the resident ID validated;
    admission (step 17) makes the roster member from it without retyping.
    """

    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    resident_id = EncryptedCharField(_("公民身份号码"))
    resident_id_hash = models.CharField(max_length=64, editable=False, db_index=True)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    work = models.CharField(_("工作岗位"), max_length=60, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="developments"
    )
    stage = models.CharField(
        _("发展阶段"), max_length=16, choices=DevStage.choices, default=DevStage.APPLICANT
    )
    status = models.CharField(_("状态"), max_length=12, choices=DevStatus.choices, default=DevStatus.ACTIVE)
    current_step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)
    due_step = models.PositiveSmallIntegerField(_("待办步骤"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    member = models.OneToOneField(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="development"
    )
    stop_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DevelopmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员")
        verbose_name_plural = _("发展党员")
        ordering = ["organization_id", "name", "id"]
        indexes = [models.Index(fields=["organization", "status", "stage"], name="dev_org_status_stage")]
        constraints = [
            models.UniqueConstraint(
                fields=["resident_id_hash"], condition=Q(status="active"), name="dev_unique_active_person"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def due_step_name(self) -> str:
        from .development import STEP

        return str(STEP[self.due_step].name) if self.due_step in STEP else ""

    @property
    def due_step_above(self) -> bool:
        from .development import STEP

        return self.due_step in STEP and STEP[self.due_step].above


class DevelopmentStepQuerySet(ScopedQuerySet):
    scope_field = "development__organization__path"


class DevelopmentStep(models.Model):
    """One of the 25 steps, done on a date, with the people involved and its record."""

    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("步骤"))
    done_on = models.DateField(_("日期"))
    people = models.ManyToManyField(Member, blank=True, related_name="+", verbose_name=_("相关党员"))
    record = models.TextField(_("记录"), blank=True)
    months = models.PositiveSmallIntegerField(_("延长时间（月）"), null=True, blank=True)
    done_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DevelopmentStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员步骤")
        verbose_name_plural = _("发展党员步骤")
        ordering = ["development", "number"]
        constraints = [models.UniqueConstraint(fields=["development", "number"], name="dev_step_once")]


# --- 组织关系转接 ----------------------------------------------------------------------------------


class TransferKind(models.TextChoices):
    WITHIN = "within", _("市内转接")
    OUT = "out", _("转出本市")
    IN = "in", _("从市外转入")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    REFUSED = "refused", _("已拒收")
    CANCELLED = "cancelled", _("已撤回")
    LETTER_ISSUED = "issued", _("已开具介绍信，待回执")
    RECEIPT_RETURNED = "returned", _("回执已退回")


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Both sides and the levels above each of them; nobody else."""
        return self.filter(scope_q(user, "from_org__path") | scope_q(user, "to_org__path"))


class Transfer(models.Model):
    """组织关系转接. Within the city the receiving organization accepts before the member moves;
    out of the city a numbered introduction letter (介绍信) is issued and its receipt (回执) recorded;
    from outside, the receiving unit records the letter and accepts, which adds the member.

    What the receiving side sees before accepting is what a letter carries: ``name``, ``gender``,
    ``age`` (from the birth date), ``ethnicity``, ``category``, the masked ID, and the dues month.
    """

    kind = models.CharField(_("转接类型"), max_length=8, choices=TransferKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=TransferStatus.choices)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    from_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_out",
        verbose_name=_("转出党组织"),
    )  # fmt: skip
    from_org_name = models.CharField(_("转出党组织（市外）"), max_length=120, blank=True)
    to_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in",
        verbose_name=_("接收党组织"),
    )  # fmt: skip
    to_org_name = models.CharField(_("接收党组织（市外）"), max_length=120, blank=True)
    # What the letter carries, copied when the transfer starts.
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    category = models.CharField(_("党员类别"), max_length=16, choices=Category.choices)
    resident_id = EncryptedCharField(_("公民身份号码"))
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    dues_paid_until = models.CharField(_("党费交至"), max_length=7, blank=True, help_text=_("如 2024-06"))
    reason = models.CharField(_("转接原因"), max_length=100)
    started_on = models.DateField(_("发起日期"))
    letter_no = models.CharField(_("介绍信编号"), max_length=40, blank=True)
    valid_until = models.DateField(_("介绍信有效期至"), null=True, blank=True)
    decided_on = models.DateField(_("处理日期"), null=True, blank=True)
    decided_by = _user_fk()
    refusal_reason = models.CharField(_("拒收原因"), max_length=200, blank=True)
    receipt_returned_on = models.DateField(_("回执退回日期"), null=True, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter_no"], condition=~Q(letter_no=""), name="transfer_letter_no_unique"
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(status__in=["pending"]), name="transfer_one_pending_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.get_kind_display()}"

    @property
    def resident_id_masked(self) -> str:
        return resident_id.mask(self.resident_id)

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_org_name

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_org_name
