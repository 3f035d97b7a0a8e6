"""The notification centre: unread count in the menu, the list (paged, own rows only), opening one
marks it read and goes to the thing, mark all read."""

from django.urls import reverse

from notifications import services
from notifications.models import Kind, Notification
from notifications.sources import Event


def test_menu_shows_the_unread_count_and_the_list_opens_the_item(client, reminders_city):
    c = reminders_city
    services.notifications_sync()
    client.force_login(c.users["cun"])
    html = client.get(reverse("branches:home")).content.decode()
    assert "消息（4）" in html
    resp = client.get(reverse("notifications:list"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "共 4 条，未读 4 条，第 1–4 条" in html and "三会一课记录不全" in html
    assert "转入待接收" not in html  # cun2's, not cun's
    due = Notification.objects.get(user=c.users["cun"], kind=Kind.ITEM_DUE)
    resp = client.get(reverse("notifications:open", args=[due.pk]))
    assert resp.status_code == 302 and resp["Location"] == due.url
    due.refresh_from_db()
    assert due.read_at is not None
    assert "消息（3）" in client.get(reverse("notifications:list")).content.decode()
    assert client.post(reverse("notifications:mark_read")).status_code == 302
    html = client.get(reverse("notifications:list") + "?unread=1").content.decode()
    assert "没有未读消息。" in html and ">消息<" in html
    # another person's notification is a 404, as a missing one
    theirs = Notification.objects.filter(user=c.users["cun2"]).first()
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.filter(user=c.users["cun2"], read_at__isnull=True).count() == 2


def test_list_pages_at_fifty_with_a_fixed_number_of_queries(client, small_city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        return len(ctx.captured_queries), html

    client.force_login(small_city.users["cun"])
    services.notify_events(
        [Event(small_city.a1.pk, Kind.ITEM_DUE, f"k:{i}", f"事项{i}", "/pilot/") for i in range(5)]
    )
    few, _ = queries(reverse("notifications:list"))
    services.notify_events(
        [Event(small_city.a1.pk, Kind.ITEM_DUE, f"k:{i}", f"事项{i}", "/pilot/") for i in range(120)]
    )
    many, html = queries(reverse("notifications:list") + "?page=3")
    assert many == few <= 10
    assert "共 120 条，未读 120 条，第 101–120 条" in html and "3/3" in html
    assert client.get(reverse("notifications:list") + "?page=abc").status_code == 200
