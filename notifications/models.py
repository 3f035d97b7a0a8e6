"""消息提醒: one row per person and thing to do; channels beyond the page record their deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization


class Kind(models.TextChoices):
    ITEM_DUE = "item_due", _("清单事项即将到期")
    ITEM_OVERDUE = "item_overdue", _("清单事项已逾期")
    ITEM_RETURNED = "item_returned", _("清单事项被退回")
    FINDING_ASSIGNED = "finding_assigned", _("督查问题待整改")
    FINDING_DUE = "finding_due", _("整改期限将到")
    FINDING_OVERDUE = "finding_overdue", _("整改已逾期")
    FINDING_ESCALATED = "finding_escalated", _("整改逾期已上报")
    TRANSFER_WAITING = "transfer_waiting", _("组织关系转接待接收")
    DECISION_ASSIGNED = "decision_assigned", _("例会议定事项待办理")
    DECISION_OVERDUE = "decision_overdue", _("例会议定事项已逾期")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user_id=getattr(user, "pk", None))

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A reminder for one person. ``key`` names the event (``item_due:17``, ``item_returned:r42``):
    the job that creates these may run any number of times and makes each at most once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(max_length=120, editable=False)
    # The row it is about (a checklist item, finding, transfer or decision, by ``kind``): once that
    # is dealt with the reminder is settled (marked read) by the next sync.
    object_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("提醒时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息提醒")
        verbose_name_plural = _("消息提醒")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """A notification sent by one channel (e-mail, a gateway): recorded so a retry sends nothing twice."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=100)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")
        ]
