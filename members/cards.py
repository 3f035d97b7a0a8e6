"""党员证 (the member card with its QR code) and 签到 (check-in at an activity by scanning it).

The QR code carries a token signed with the site's key (``django.core.signing``): the member's
id, the card's version, name and organization code — never the resident ID. Revoking a card (lost,
or reissued) bumps its version in the database, and every token of an older version is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.scoping import ScopedQuerySet


class MemberCard(models.Model):
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="card")
    version = models.PositiveIntegerField(_("版本"), default=1)
    issued_at = models.DateTimeField(_("发证时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("上次作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员证")
        verbose_name_plural = _("党员证")

    def __str__(self) -> str:
        return f"{self.member} v{self.version}"


class CheckInMethod(models.TextChoices):
    SCAN = "scan", _("扫码签到")
    MANUAL = "manual", _("手工签到")


class CheckInQuerySet(ScopedQuerySet):
    scope_field = "activity__organization__path"


class CheckIn(models.Model):
    """One member's attendance at one activity (recorded once: the second scan says 已签到)."""

    activity = models.ForeignKey("pilot.Activity", on_delete=models.CASCADE, related_name="checkins")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="checkins")
    checked_at = models.DateTimeField(_("签到时间"), auto_now_add=True)
    method = models.CharField(
        _("方式"), max_length=8, choices=CheckInMethod.choices, default=CheckInMethod.SCAN
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动签到")
        verbose_name_plural = _("活动签到")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="checkin_once_per_activity")
        ]
