"""一次性评价票: printed slips, each with its own QR code, for formal evaluations (民主测评 of a
unit's work, 述职评议 of its secretary's duty report). A slip counts once, whatever phone reads it,
so a score cannot be stuffed from one phone by dropping a cookie; the level above issues and
prints them, never the unit being evaluated."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet

# No 0/O, 1/I/L: a code typed from the slip by hand is read without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 31^12 ≈ 2^59: not guessable within the rate limit


class BallotPurpose(models.TextChoices):
    SURVEY = "survey", _("民主测评（群众满意度）")
    DUTY = "duty", _("述职评议")


class BallotBatch(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("被评价单位"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("评价类型"), max_length=8, choices=BallotPurpose.choices)
    period = models.CharField(_("考核期"), max_length=8)
    duty_report = models.ForeignKey(
        "assessments.DutyReport", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    size = models.PositiveSmallIntegerField(_("票数"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("制票时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价票")
        verbose_name_plural = _("评价票")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_purpose_display()} · {self.size}"


class Ballot(models.Model):
    batch = models.ForeignKey(BallotBatch, on_delete=models.CASCADE, related_name="ballots")
    code = models.CharField(max_length=16, unique=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]

    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
