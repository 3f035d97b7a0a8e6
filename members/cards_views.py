"""The member card page (printable) and the secretary's check-in page for an activity."""

from __future__ import annotations

import io
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.policy import Action, allows, get_for_action_or_404, require
from branches.scoping import get_visible_or_404

from . import cards_services, selectors
from .cards import CheckIn
from .models import Member


def qr_svg(text: str) -> str:
    """The QR code as inline SVG (no image request, no script: fine under the CSP)."""
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                      error_correction=qrcode.constants.ERROR_CORRECT_M)  # fmt: skip
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


@login_required
def member_card(request, member_id: int):
    """党员证: name, organization, 党龄, stars and the QR code for check-in; prints as a card."""
    m = selectors.member_get(user=request.user, member_id=member_id)
    card = cards_services.card_for(m)
    return render(request, "members/card.html", {
        "m": m, "card": card, "facts": cards_services.card_facts(m),
        "qr": mark_safe(qr_svg(cards_services.card_token(m, card))),  # noqa: S308 — our own SVG
        "can_manage": allows(request.user, Action.MANAGE, m.organization),
    })  # fmt: skip


@login_required
@require_POST
def card_revoke(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    card = cards_services.card_revoke(actor=request.user, member=m)
    messages.success(request, _("原党员证已作废，已补发第 %(v)d 版，请打印新证。") % {"v": card.version})
    return redirect("members:card", m.pk)


def _activities_qs(user):
    from pilot.models import Activity

    return Activity.objects.visible_to(user).select_related("organization")


@login_required
def checkin_home(request):
    """签到: the recent activities the user may take attendance at (主题党日, 三会一课 …)."""
    since = timezone.localdate() - timedelta(days=90)
    rows = [
        a for a in _activities_qs(request.user).filter(held_on__gte=since).order_by("-held_on", "-id")[:50]
    ]
    return render(request, "members/checkin_home.html", {
        "rows": [(a, allows(request.user, Action.MANAGE, a.organization)) for a in rows],
    })  # fmt: skip


@login_required
def checkin(request, activity_id: int):
    """The check-in page: camera or photo of a card (decoded in the browser), or the code typed."""
    from pilot.models import Activity

    act = get_visible_or_404(_activities_qs(request.user), pk=activity_id)
    done = list(
        CheckIn.objects.filter(activity=act).select_related("member").order_by("-checked_at", "-id")[:300]
    )
    can_manage = allows(request.user, Action.MANAGE, act.organization)
    roster = []
    if can_manage:  # for 手工签到: who has not checked in yet
        roster = list(
            Member.objects.current().filter(organization__path__startswith=act.organization.path,
                                            joined_on__lte=act.held_on)
            .exclude(checkins__activity=act).order_by("name", "id").only("id", "name")[:500]
        )  # fmt: skip
    return render(request, "members/checkin.html", {
        "act": act, "done": done, "can_manage": can_manage, "roster": roster,
        "kind": dict(Activity._meta.get_field("kind").choices).get(act.kind, ""),
    })  # fmt: skip


@login_required
@require_POST
def checkin_scan(request, activity_id: int):
    """One scanned (or typed) card code. Answers JSON to the page's script, a redirect otherwise."""
    from pilot.models import Activity

    act = get_for_action_or_404(request.user, Action.MANAGE, Activity, pk=activity_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        r = cards_services.checkin_scan(actor=request.user, activity=act, token=request.POST.get("token", ""))
        payload = {"ok": True, "created": r.created, "message": r.message, "name": r.member.name,
                   "attended": r.attended, "expected": r.expected}  # fmt: skip
    except ValidationError as e:
        payload = {"ok": False, "created": False, "message": "；".join(e.messages)}
    if wants_json:
        return JsonResponse(payload, status=200 if payload["ok"] else 400)
    (messages.success if payload["ok"] else messages.error)(request, payload["message"])
    return redirect("members:checkin", act.pk)


@login_required
@require_POST
def checkin_manual(request, activity_id: int):
    """手工签到 for a member without the card at hand (chosen from the roster on the page)."""
    from pilot.models import Activity

    act = get_for_action_or_404(request.user, Action.MANAGE, Activity, pk=activity_id)
    m = get_visible_or_404(Member.objects.visible_to(request.user).select_related("organization"),
                           pk=request.POST.get("member", ""))  # fmt: skip
    require(request.user, Action.MANAGE, m.organization)
    try:
        r = cards_services.checkin_record(actor=request.user, activity=act, member=m, method="manual")
        messages.success(request, r.message)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("members:checkin", act.pk)
