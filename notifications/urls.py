"""消息提醒: the person's own reminders."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:notification_id>/", views.notification_open, name="open"),
]
