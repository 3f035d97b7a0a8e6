"""Activities (主题党日, 三会一课, 组织生活会), the leading group's weekly meetings (一周一例会) and notices (通知)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet, scope_q

from .base import User, _org_fk


# --- activities --------------------------------------------------------------------------------
class ActivityKind(models.TextChoices):
    THEME_DAY = "theme_day", _("主题党日")
    MEMBERS_MEETING = "members_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支部委员会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    LIFE_MEETING = "life_meeting", _("组织生活会")


class Activity(models.Model):
    organization = _org_fk("activities")
    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices, db_index=True)
    held_on = models.DateField(_("日期"), db_index=True)
    topic = models.CharField(_("主题"), max_length=200)
    notes = models.TextField(_("内容摘要"), blank=True)
    attendees = models.ManyToManyField(
        "members.Member", verbose_name=_("参加党员"), blank=True, related_name="+"
    )
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    attended = models.PositiveIntegerField(_("实到人数"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("组织活动")
        verbose_name_plural = _("组织活动")
        indexes = [models.Index(fields=["organization", "held_on"], name="pilot_activity_org_date")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


# --- weekly meetings (一周一例会) --------------------------------------------------------------
class WeeklyMeeting(models.Model):
    organization = _org_fk("weekly_meetings", _("领导小组（办公室）所在组织"))
    held_on = models.DateField(_("会议日期"), db_index=True)
    topic = models.CharField(_("议题"), max_length=200)
    minutes = models.TextField(_("会议纪要"), blank=True)
    attendees = models.CharField(_("参会人员"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("周例会")
        verbose_name_plural = _("周例会")

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("推进中")
    DONE = "done", _("已办结")


class MeetingDecision(models.Model):
    """A decision of the weekly meeting, tracked to completion."""

    meeting = models.ForeignKey(
        WeeklyMeeting, verbose_name=_("例会"), on_delete=models.CASCADE, related_name="decisions"
    )
    organization = _org_fk("+", _("责任组织"))
    content = models.CharField(_("议定事项"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=40)
    due_date = models.DateField(_("完成时限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    result = models.CharField(_("办理结果"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_date", "id"]
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")

    def __str__(self) -> str:
        return self.content


# --- notices (通知) -----------------------------------------------------------------------------
class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sent from the user's subtree, or addressed to an organization in it."""
        sent = self.filter(scope_q(user, "sender_org__path")).values("pk")
        received = NoticeRecipient.objects.visible_to(user).values("notice_id")
        return self.filter(models.Q(pk__in=sent) | models.Q(pk__in=received))


class Notice(models.Model):
    sender_org = models.ForeignKey(
        Organization, verbose_name=_("发文组织"), on_delete=models.PROTECT, related_name="+"
    )
    sender = models.ForeignKey(User, verbose_name=_("发送人"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to="pilot/notices/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")

    def __str__(self) -> str:
        return self.original_name


class NoticeRecipient(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    organization = _org_fk("+", _("接收组织"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("通知接收")
        verbose_name_plural = _("通知接收")
        constraints = [
            models.UniqueConstraint(fields=["notice", "organization"], name="pilot_notice_recipient_once")
        ]
        indexes = [models.Index(fields=["organization", "read_at"], name="pilot_notice_unread")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.organization_id}"
