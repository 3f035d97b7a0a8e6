"""书记责任口袋书 rated by members and the public through the unit's QR link (like the survey):
one rating per commitment per device; bursts flagged and left out (assessments/voting.py rules)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommitmentRating(models.Model):
    class Rater(models.TextChoices):
        MEMBER = "member", _("党员")
        PUBLIC = "public", _("群众")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    commitment = models.ForeignKey("pilot.Commitment", on_delete=models.CASCADE, related_name="ratings")
    rater = models.CharField(_("评价人身份"), max_length=8, choices=Rater.choices)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices)
    voter_hash = models.CharField(max_length=64)
    source_hash = models.CharField(max_length=32, blank=True, default="")
    flagged = models.BooleanField(_("疑似集中提交"), default=False)
    at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("口袋书评价")
        verbose_name_plural = _("口袋书评价")
        constraints = [
            models.UniqueConstraint(fields=["commitment", "voter_hash"], name="pilot_commitment_rating_once")
        ]
        indexes = [models.Index(fields=["commitment", "flagged"], name="pilot_commitment_rating_ok")]
