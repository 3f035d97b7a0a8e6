"""消息提醒 pages: list (paged), open one (marks it read, goes to the thing), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services

PAGE_SIZE = 50


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.notification_list(user=request.user, unread_only=unread_only), PAGE_SIZE)
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    page_obj = page.get_page(number)
    return render(request, "notifications/list.html", {
        "page": page_obj, "unread_only": unread_only,
        "unread": selectors.unread_count(user=request.user),
    })  # fmt: skip


@login_required
def notification_open(request, notification_id: int):
    n = selectors.notification_get(user=request.user, notification_id=notification_id)
    services.notifications_mark_read(actor=request.user, ids=[n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request):
    n = services.notifications_mark_read(actor=request.user)
    messages.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": n})
    return redirect("notifications:list")
