"""Models of 流动党员 (floating members: outflow and inflow) and their contact records."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

from .models import Gender, Member
from .models_life import _user_fk

# --- 流动党员 ------------------------------------------------------------------------------------


class FloatDirection(models.TextChoices):
    OUT = "out", _("流出")
    IN = "in", _("流入")


class FloatingQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class FloatingRecord(models.Model):
    """流动党员. Outflow: one of our members living elsewhere (``member`` set, status 流动).
    Inflow: a member from elsewhere who joins our activities (``organization`` is ours; their
    relation stays with ``origin_org_name``)."""

    direction = models.CharField(_("流向"), max_length=4, choices=FloatDirection.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="floating_records"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="floating_records"
    )
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    place = models.CharField(_("流向地（来源地）"), max_length=100)
    work = models.CharField(_("从事工作"), max_length=100, blank=True)
    contact = models.CharField(_("联系方式"), max_length=40)
    card_no = models.CharField(_("流动党员活动证号码"), max_length=40, blank=True)
    activity_org_name = models.CharField(_("参加活动的党组织"), max_length=120, blank=True)
    origin_org_name = models.CharField(_("组织关系所在党组织"), max_length=120, blank=True)
    started_on = models.DateField(_("外出（流入）日期"))
    ended_on = models.DateField(_("返回（离开）日期"), null=True, blank=True)
    last_contact_on = models.DateField(_("最近联系日期"), null=True, blank=True, db_index=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FloatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员")
        verbose_name_plural = _("流动党员")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["organization", "direction", "ended_on"], name="floating_org_dir")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="floating_one_active_per_member"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="floating_dates_in_order",
                violation_error_message=_("返回（离开）日期不能早于外出（流入）日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_direction_display()}）"


class FloatingContactQuerySet(ScopedQuerySet):
    scope_field = "record__organization__path"


class FloatingContact(models.Model):
    """A contact with a floating member (联系记录): date, how, what was said."""

    record = models.ForeignKey(FloatingRecord, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=20, default="电话")
    notes = models.CharField(_("联系情况"), max_length=200, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FloatingContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员联系记录")
        verbose_name_plural = _("流动党员联系记录")
        ordering = ["-contacted_on", "-id"]
