"""Reminders are raised set-based for the people who must act, once each, and sent by e-mail
through a real SMTP server (a socket on 127.0.0.1)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import Domain, RoleKind
from branches.services import role_grant
from notifications import services
from notifications.models import Delivery, Kind, Notification
from pilot import services as pilot
from pilot.models import ChecklistItem
from pilot.services import checklist_generate
from tests.factories import UserFactory, make_org
from tests.pilot.helpers import this_month

from .helpers import build_reminders
from .smtp_sink import SmtpSink

SMTP_PORT = 8125


def _kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_sync_tells_each_secretary_what_is_theirs_once(reminders_city):
    c = reminders_city
    assert services.notifications_sync() == 10
    assert _kinds(c.users["cun"]) == sorted(
        [Kind.ITEM_DUE, Kind.ITEM_OVERDUE, Kind.FINDING_ASSIGNED, Kind.FINDING_OVERDUE]
    )
    assert _kinds(c.users["cun2"]) == sorted([Kind.ITEM_RETURNED, Kind.TRANSFER_WAITING])
    assert _kinds(c.users["zhen"]) == sorted(
        [Kind.FINDING_ESCALATED, Kind.DECISION_ASSIGNED, Kind.DECISION_ASSIGNED, Kind.DECISION_OVERDUE]
    )
    assert not Notification.objects.filter(user__in=[c.users["shi"], c.users["ducha"], c.users["nobody"]])
    returned = Notification.objects.get(kind=Kind.ITEM_RETURNED)
    assert "“支部主题党日”" in returned.title and "被退回：请补充签到表照片" in returned.title
    assert (
        returned.url == f"/pilot/items/{ChecklistItem.objects.get(organization=c.b1, status='returned').pk}/"
    )
    escalated = Notification.objects.get(kind=Kind.FINDING_ESCALATED)
    assert escalated.title.startswith("甲一村党总支整改逾期已上报") and "三会一课记录不全" in escalated.title
    # a rerun (beat, a retry, a second worker) makes nothing twice
    assert services.notifications_sync() == 0
    assert Notification.objects.count() == 10


def test_a_second_return_is_a_new_reminder_and_a_new_secretary_gets_what_is_open(reminders_city):
    c = reminders_city
    services.notifications_sync()
    item = ChecklistItem.objects.get(organization=c.b1, status="returned")
    pilot.report_submit(actor=c.users["cun2"], item=item, state="done", percent=100, narrative="已补充")
    pilot.report_review(actor=c.users["shi"], item=item, decision="return", reason="签到表缺页")
    deputy = UserFactory(username="fushuji")
    role_grant(actor=None, user=deputy, organization=c.b1, kind=RoleKind.UNIT_SECRETARY)
    # cun2: the second return; the deputy: both returns of the open item and the waiting transfer
    assert services.notifications_sync() == 1 + 3
    assert Notification.objects.filter(user=c.users["cun2"], kind=Kind.ITEM_RETURNED).count() == 2


def test_sync_makes_a_fixed_number_of_queries_whatever_the_size(small_city):
    def queries():
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.notifications_sync()
        return len(ctx.captured_queries), Notification.objects.count()

    build_reminders(small_city)
    small_n, small_rows = queries()
    for i in range(8):
        org = make_org(small_city.town_a, name=f"甲镇新村{i}党支部", domain=Domain.VILLAGE)
        role_grant(
            actor=None, user=UserFactory(username=f"xin{i}"), organization=org, kind=RoleKind.UNIT_SECRETARY
        )
    checklist_generate(period=this_month())
    ChecklistItem.objects.filter(organization__name__startswith="甲镇新村").update(
        due_date=timezone.localdate() + timedelta(days=1)
    )
    big_n, big_rows = queries()
    assert big_rows > small_rows + 8
    assert big_n == small_n


@pytest.mark.django_db(transaction=True)
def test_email_goes_through_a_real_smtp_server_once_to_those_with_an_address(small_city, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", SMTP_PORT
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFY_SITE_URL = "https://dj.example.gov.cn"
    c = build_reminders(small_city)
    for name in ("cun", "zhen"):
        c.users[name].email = f"{name}@example.org"
        c.users[name].save()
    services.notifications_sync()

    # The server is down: nothing is recorded as sent, the task will retry.
    result = services.notifications_deliver()
    assert result["email"]["sent"] == 0 and result["email"]["pending"] == 8 and result["email"]["error"]
    assert not Delivery.objects.exists()

    with SmtpSink(SMTP_PORT) as sink:
        result = services.notifications_deliver()
        assert result["email"] == {"sent": 8, "pending": 0, "error": ""}
        got = {tuple(rcpt): msg for _, rcpt, msg in sink.received}
        assert set(got) == {("cun@example.org",), ("zhen@example.org",)}  # cun2 has no address
        body = got[("cun@example.org",)].get_content()
        assert got[("cun@example.org",)]["Subject"].strip() == "【党建整体推进平台】4 条待办提醒"
        assert "三会一课记录不全" in body and "支部主题党日" in body
        assert "https://dj.example.gov.cn/pilot/items/" in body
        # a rerun, and a notification read in the portal before it was mailed, send nothing
        services.notifications_deliver()
        assert len(sink.received) == 2
    assert Delivery.objects.filter(channel="email").count() == 8
    assert not mail.outbox


def test_webhook_channel_is_added_by_settings(reminders_city, settings, monkeypatch):
    import json
    import urllib.request

    posted = []

    class Resp:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def fake_urlopen(req, timeout):
        posted.append(json.loads(req.data.decode("utf-8")))
        return Resp()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    settings.NOTIFY_CHANNELS = ["notifications.channels.InApp", "notifications.channels.Webhook"]
    settings.NOTIFY_WEBHOOK_URL = "https://gateway.example.org/sms"
    services.notifications_sync()
    assert services.notifications_deliver() == {"webhook": {"sent": 10, "pending": 0, "error": ""}}
    assert len(posted) == 1 and len(posted[0]["notifications"]) == 10
    assert {n["user"] for n in posted[0]["notifications"]} == {"cun", "cun2", "zhen"}
    assert services.notifications_deliver() == {"webhook": {"sent": 0, "pending": 0, "error": ""}}


def test_a_return_reaches_the_unit_at_once_and_the_beat_adds_no_second(
    reminders_city, django_capture_on_commit_callbacks
):
    c = reminders_city
    item = ChecklistItem.objects.get(organization=c.a1, task__code="G01", period=this_month())
    pilot.report_submit(actor=c.users["cun"], item=item, state="done", percent=100, narrative="开展主题党日")
    with django_capture_on_commit_callbacks(execute=True):
        pilot.report_review(actor=c.users["zhen"], item=item, decision="return", reason="缺签到表")
    got = Notification.objects.get(user=c.users["cun"], kind=Kind.ITEM_RETURNED)
    month = f"{timezone.localdate().year}年{timezone.localdate().month}月"
    assert got.title == f"“支部主题党日”（{month}）被退回：缺签到表"
    services.notifications_sync()  # the beat raises the same key: still one for cun
    assert Notification.objects.filter(user=c.users["cun"], kind=Kind.ITEM_RETURNED).count() == 1


def test_reminders_about_finished_work_are_settled_by_the_next_sync(reminders_city):
    c = reminders_city
    services.notifications_sync()
    due = ChecklistItem.objects.get(organization=c.a1, task__code="G01", period=this_month())
    pilot.report_submit(actor=c.users["cun"], item=due, state="done", percent=100, narrative="开展主题党日")
    services.notifications_sync()
    unread = Notification.objects.filter(user=c.users["cun"], read_at__isnull=True)
    # the reported item's reminder is settled; the overdue item and the open finding still wait
    assert sorted(unread.values_list("kind", flat=True)) == sorted(
        [Kind.ITEM_OVERDUE, Kind.FINDING_ASSIGNED, Kind.FINDING_OVERDUE]
    )
    assert Notification.objects.get(user=c.users["cun"], kind=Kind.ITEM_DUE).read_at is not None
