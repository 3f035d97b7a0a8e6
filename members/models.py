"""Party members (党员花名册). The resident ID is encrypted at rest and looked up by blind index."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import scope_q

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


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, "organization__path"))

    def current(self):
        return self.filter(status__in=CURRENT_STATUSES)

    def in_subtree(self, org: Organization):
        return self.filter(organization__path__startswith=org.path)

    def with_resident_id(self, value: str):
        return self.filter(resident_id_hash=blind_index(resident_id.normalize(value)))


class Member(models.Model):
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
        indexes = [models.Index(fields=["organization", "status"], name="member_org_status")]
        permissions = [("import_member", _("可导入党员")), ("export_member", _("可导出党员"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.resident_id:
            self.resident_id = resident_id.normalize(self.resident_id)
            self.resident_id_hash = blind_index(self.resident_id)
        super().save(*args, **kwargs)

    @property
    def resident_id_masked(self) -> str:
        return resident_id.mask(self.resident_id)

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES
