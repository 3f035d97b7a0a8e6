"""The organization tree (组织体系), branch types, people's roles and the audit trail.

The tree is a materialized path (django-treebeard ``MP_Node``): a subtree is one
``path LIKE 'prefix%'`` query whatever its depth, and ``Organization.objects.visible_to(user)``
is the one scoping primitive every other app builds on.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class Domain(models.TextChoices):
    """领域: tasks, standards and schemes vary by domain."""

    VILLAGE = "village", _("农村")
    COMMUNITY = "community", _("社区")
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    STATE_ENTERPRISE = "enterprise", _("国有企业")
    TWO_NEW = "two_new", _("两新组织")


class Element(models.TextChoices):
    """五个要素: the five elements tasks, indicators and dashboards are grouped by."""

    COVERAGE = "coverage", _("组织覆盖")
    TEAM = "team", _("队伍建强")
    ACTIVITY = "activity", _("活动标准")
    SYSTEM = "system", _("制度落实")
    GUARANTEE = "guarantee", _("保障有力")


class Level(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县（区）级")
    TOWNSHIP = "township", _("乡镇（街道）")
    UNIT = "unit", _("基层党组织")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class OrgForm(models.TextChoices):
    """The organization's form under the Party constitution."""

    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    MERGED = "merged", _("已合并")
    DISSOLVED = "dissolved", _("已撤销")


class BranchType(models.Model):
    """支部类型 — data, not code (七类支部: 工程支部, 联村党委, 专业合作社支部 …)."""

    code = models.SlugField(_("类型代码"), max_length=40, unique=True)
    name = models.CharField(_("类型名称"), max_length=60, unique=True)
    domain = models.CharField(_("适用领域"), max_length=20, choices=Domain.choices, blank=True)
    description = models.TextField(_("说明"), blank=True)
    links_villages = models.BooleanField(
        _("可联结多个村"), default=False, help_text=_("如联村党委：除上级组织外，还联结多个村党组织。")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("支部类型")
        verbose_name_plural = _("支部类型")

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(MP_NodeQuerySet):
    def active(self):
        return self.filter(status=OrgStatus.ACTIVE)

    def visible_to(self, user):
        """The organizations this user may see: the subtrees their roles attach them to."""
        from .scoping import scope_q

        return self.filter(scope_q(user, "path"))

    def subtree_of(self, org: Organization):
        return self.filter(path__startswith=org.path)

    def election_due(self, *, today: date | None = None, within_days: int | None = None):
        """Organizations whose term (换届) ends within the reminder window or has ended."""
        today = today or timezone.localdate()
        within = settings.ELECTION_REMINDER_DAYS if within_days is None else within_days
        return self.active().filter(
            term_ends_on__isnull=False, term_ends_on__lte=today + timezone.timedelta(days=within)
        )


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """A Party organization at any level of the tree (市委 → 县区 → 乡镇 → 村/社区/单位 → 支部 → 小组)."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = None

    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=120, db_index=True)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices, db_index=True)
    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices, blank=True, db_index=True)
    org_form = models.CharField(_("组织形式"), max_length=20, choices=OrgForm.choices, default=OrgForm.BRANCH)
    branch_type = models.ForeignKey(
        BranchType,
        verbose_name=_("支部类型"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    township = models.ForeignKey(
        "self",
        verbose_name=_("所属乡镇（街道）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("由树结构自动维护，用于按乡镇统计与排名。"),
    )
    secretary_name = models.CharField(_("书记"), max_length=40, blank=True)
    secretary_phone = models.CharField(_("书记电话"), max_length=20, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    last_election_on = models.DateField(_("上次换届日期"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=5)
    term_ends_on = models.DateField(_("任期届满日期"), null=True, blank=True, editable=False, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入组织"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_villages = models.ManyToManyField(
        "self",
        verbose_name=_("联结村"),
        symmetrical=False,
        blank=True,
        related_name="linking_committees",
        help_text=_("联村党委联结的村党组织（树上的上级组织之外）。"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        permissions = [("import_organization", _("可导入党组织")), ("export_organization", _("可导出党组织"))]
        indexes = [models.Index(fields=["depth", "path"], name="org_depth_path")]

    def __str__(self) -> str:
        return self.name

    # --- small rules that belong to one row -------------------------------------------------
    def clean(self):
        if self.status == OrgStatus.MERGED and not self.merged_into_id:
            raise ValidationError({"merged_into": _("状态为“已合并”时须填写并入组织。")})
        if self.last_election_on and self.last_election_on > timezone.localdate():
            raise ValidationError({"last_election_on": _("上次换届日期不能晚于今天。")})

    def save(self, *args, **kwargs):
        self.term_ends_on = self.compute_term_end()
        super().save(*args, **kwargs)

    def compute_term_end(self) -> date | None:
        if not self.last_election_on or not self.term_years:
            return None
        d = self.last_election_on
        try:
            return d.replace(year=d.year + self.term_years)
        except ValueError:  # 29 February
            return d.replace(year=d.year + self.term_years, day=28)

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    def election_state(self, today: date | None = None) -> str | None:
        """'overdue', 'due' (within the reminder window) or None."""
        if not self.term_ends_on or not self.is_active:
            return None
        today = today or timezone.localdate()
        if self.term_ends_on < today:
            return "overdue"
        if (self.term_ends_on - today).days <= settings.ELECTION_REMINDER_DAYS:
            return "due"
        return None

    def is_within(self, other: Organization) -> bool:
        return self.path.startswith(other.path)


class RoleKind(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市委组织部（领导小组办公室）")
    TOWNSHIP_SECRETARY = "township_secretary", _("乡镇（街道）党委书记")
    UNIT_SECRETARY = "unit_secretary", _("党组织书记")
    INSPECTOR = "inspector", _("督查组成员")
    LEADER = "leader", _("班子成员（工作联系点）")


class Role(models.Model):
    """A person's role, attached to one organization; it gives them that organization's subtree.

    An inspector (or a leader's contact point) holds one role per assigned unit.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="roles"
    )
    kind = models.CharField(_("角色"), max_length=24, choices=RoleKind.choices)
    can_export = models.BooleanField(
        _("可导出数据"), default=False, help_text=_("导出与查看分开授权，每次导出都会记录。")
    )
    can_view_full_id = models.BooleanField(
        _("可查看完整身份证号"), default=False, help_text=_("默认脱敏显示；仅确需的岗位授予。")
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique_per_org_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.organization}"


class AuditAction(models.TextChoices):
    """What an audit row records — an enumerated vocabulary (``audit_record`` refuses any other).

    A new service adds its action here (and nowhere else); the label is what the back office
    shows."""

    ORG_CREATE = "org.create", _("新建党组织")
    ORG_UPDATE = "org.update", _("修改党组织")
    ORG_MOVE = "org.move", _("调整上级组织")
    ROLE_GRANT = "role.grant", _("授予角色")
    ROLE_UPDATE = "role.update", _("修改角色权限")
    ROLE_REVOKE = "role.revoke", _("撤销角色")
    MEMBER_CREATE = "member.create", _("新增党员")
    MEMBER_UPDATE = "member.update", _("修改党员信息")
    MEMBER_STATUS = "member.status", _("变更党员状态")
    MEMBER_EID = "member.eid", _("电子身份认证")
    MEMBER_IMPORT_CREATE = "member.import_create", _("导入新增党员")
    MEMBER_IMPORT_UPDATE = "member.import_update", _("导入更新党员")
    MEMBER_IMPORT_PREVIEW = "member.import_preview", _("预览导入花名册")
    MEMBER_DUPLICATE_ID_REFUSED = "member.duplicate_id_refused", _("拒绝重复身份证号")
    MEMBER_VIEW_FULL_ID = "member.view_full_id", _("查看完整身份证号")
    MEMBER_CARE_VISIT = "member.care_visit", _("润心走访")
    MEMBER_CARE_PAYMENT = "member.care_payment", _("关爱资金发放")
    MEMBER_TRANSFER_OUT = "member.transfer_out", _("组织关系转出")
    MEMBER_TRANSFER_IN = "member.transfer_in", _("组织关系转入")
    MEMBER_RECORD_ADD = "member.record.add", _("添加党员档案记录")
    MEMBER_RECORD_UPDATE = "member.record.update", _("修改党员档案记录")
    MEMBER_RECORD_DELETE = "member.record.delete", _("删除党员档案记录")
    MEMBER_DUES_PROFILE = "member.dues_profile", _("党费基数")
    MEMBER_DUES_PAYMENT = "member.dues_payment", _("党费缴纳")
    MEMBER_DUES_IMPORT = "member.dues_import", _("导入党费")
    TRANSFER_START = "transfer.start", _("发起组织关系转接")
    TRANSFER_ACCEPT = "transfer.accept", _("接收组织关系")
    TRANSFER_REFUSE = "transfer.refuse", _("退回组织关系转接")
    TRANSFER_CANCEL = "transfer.cancel", _("撤销组织关系转接")
    TRANSFER_IN = "transfer.in", _("登记转入")
    TRANSFER_LETTER = "transfer.letter", _("开具介绍信")
    TRANSFER_RECEIPT = "transfer.receipt", _("登记回执")
    MEMBER_CARD_REVOKE = "member.card_revoke", _("注销党员电子证")
    ACTIVITY_CHECKIN = "activity.checkin", _("活动签到")
    FLOATING_START = "floating.start", _("登记流动党员")
    FLOATING_CONTACT = "floating.contact", _("流动党员联系")
    FLOATING_END = "floating.end", _("流动结束")
    DEVELOPMENT_START = "development.start", _("发展党员：开始")
    DEVELOPMENT_STEP = "development.step", _("发展党员：记录步骤")
    DEVELOPMENT_STOP = "development.stop", _("发展党员：终止")
    PIONEER_SCHEME_PUBLISH = "pioneer.scheme_publish", _("发布先锋指数方案")
    PIONEER_SCHEME_COPY = "pioneer.scheme_copy", _("复制先锋指数方案")
    PIONEER_ENTRIES = "pioneer.entries", _("录入先锋指数评价")
    REPORT_SUBMIT = "report_submit", _("报送清单事项")
    REPORT_ACCEPT = "report_accept", _("审核通过")
    REPORT_RETURN = "report_return", _("审核退回")
    NOTICE_SEND = "notice_send", _("发送通知")
    ACTIVITY_RECORD = "activity_record", _("记录组织生活")
    INCOME_MEASURE_ADD = "income_measure_add", _("添加集体经济措施")
    CENTER_CREATE = "servicecenterproject_create", _("新增阵地建设项目")
    HONOR_CREATE = "honor_create", _("登记荣誉")
    HONOR_TARGET_CREATE = "honortarget_create", _("设定争创目标")
    FUNDING_CREATE = "fundingrecord_create", _("登记经费")
    COMMITMENT_ADD = "commitment_add", _("添加承诺")
    COMMITMENT_PROGRESS = "commitment_progress", _("更新承诺进度")
    MEETING_RECORD = "meeting_record", _("记录周例会")
    DECISION_CLOSE = "decision_close", _("议定事项办结")
    BRAND_PUBLISH = "brand_publish", _("发布品牌")
    BRAND_UNPUBLISH = "brand_unpublish", _("撤回品牌")
    BRAND_SAVE = "brand.save", _("保存党建品牌")
    BRAND_CASE_ADD = "brand.case_add", _("添加典型个案")
    INCOME_REPORT = "income.report", _("填报集体经济收入")
    INCOME_CONFIRM = "income.confirm", _("确认集体经济收入")
    INCOME_RETURN = "income.return", _("退回集体经济收入")
    DECISION_ASSIGN = "decision.assign", _("交办议定事项")
    PLAN_YEAR_START = "plan_year_start", _("启动新年度")
    SCHEME_COPY = "scheme_copy", _("复制指标体系")
    STANDARD_COPY = "standard_copy", _("复制合格标准")
    STANDARD_PUBLISH = "standard_publish", _("发布合格标准")
    SCHEME_PUBLISH = "scheme_publish", _("发布指标体系")
    SCHEME_NEW_VERSION = "scheme_new_version", _("指标体系新版本")
    SCORE_RUN_START = "score_run_start", _("启动计分")
    SCORE_RUN_PUBLISH = "score_run_publish", _("发布得分")
    SCORE_RUN_NOTICE = "score_run_notice", _("计分批次说明")
    SCORE_RUN_RETRY = "score_run_retry", _("重试计分批次")
    ENTRY_SET = "entry_set", _("录入评定分值")
    STANDARD_SELF_CHECK = "standard_self_check", _("标准自查")
    STANDARD_VERIFY = "standard_verify", _("标准核定")
    INSPECTION_RECORD = "inspection_record", _("记录督查")
    FINDING_ANSWER = "finding_answer", _("反馈整改")
    FINDING_VERIFY = "finding_verify", _("核查销号")
    APPEAL_FILE = "appeal_file", _("提出申诉")
    APPEAL_RULE = "appeal_rule", _("裁定申诉")
    DUTY_REPORT_SAVE = "duty_report_save", _("保存述职报告")
    BALLOT_ISSUE = "ballot.issue", _("制作一次性评价票")
    RECTIFICATION_PLAN_CREATE = "rectification_plan_create", _("制定整改方案")
    RECTIFICATION_PLAN_UPDATE = "rectification_plan_update", _("更新整改方案")
    REPORT_BATCH_START = "report_batch_start", _("批量生成考核报告")
    REPORT_BATCH_RESUME = "report_batch_resume", _("续跑考核报告")
    ADMIN_SAVE = "admin.save", _("后台修改")
    ADMIN_DELETE = "admin.delete", _("后台删除")
    ADMIN_IMPORT = "admin.import", _("后台导入")


class AuditEvent(models.Model):
    """Who changed what, when and from where — the audit trail as data.

    ``changes`` holds ``{field: [old, new]}``; personal identifiers are masked before they get here.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    # Values of ``AuditAction`` (checked by ``audit_record``; not a DB choice list, so a new action
    # needs no migration).
    action = models.CharField(_("操作"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("对象"), max_length=200)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action_label} {self.object_repr}"

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action


class ExportLog(models.Model):
    """Every export: who, what, how many rows, from where."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    what = models.CharField(_("导出内容"), max_length=120)
    rows = models.PositiveIntegerField(_("行数"))
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what} ({self.rows})"


class Heartbeat(models.Model):
    """The last time a scheduled pulse went all the way round (beat → broker → worker → database),
    read by ``/healthz/`` and the beat container's healthcheck. One row per pulse name."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("运行心跳")
        verbose_name_plural = _("运行心跳")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
