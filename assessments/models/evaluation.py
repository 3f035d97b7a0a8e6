"""Mass evaluation (public pages, survey responses) and duty reports with their ratings."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

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
