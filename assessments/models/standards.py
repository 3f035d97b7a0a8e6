"""Qualified-branch standards (合格支部标准): standards, their items and checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Domain, Organization
from branches.scoping import ScopedQuerySet

from .schemes import Element

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
