"""The review list on a phone: accept or return each waiting report in place.

Progressive enhancement: each card's forms post to ``review_decide``; without JavaScript the
answer is a redirect back to the list at the next card (``#review-<id>``) with a message naming
what was done; with it (``Accept: application/json``) the answer is JSON and the card is replaced
in place by that message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import Organization
from branches.policy import Action, may_anywhere, require, scope_for
from branches.scoping import get_visible_or_404

from . import review, selectors, services
from .forms import ReviewForm
from .models import ReviewDecision


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
def review_list(request):
    # ``?org=`` outside what the person sees is 404 like any other object; then the action (403).
    org = None
    if request.GET.get("org"):
        try:
            org = get_visible_or_404(
                Organization.objects.visible_to(request.user), pk=int(request.GET["org"])
            )
        except ValueError:
            org = None
            messages.warning(request, _("组织参数无效，已显示全部待审核报送。"))
        if org is not None and not scope_for(request.user, Action.REVIEW).contains(org):
            raise PermissionDenied
    if not may_anywhere(request.user, Action.REVIEW):
        raise PermissionDenied
    month = None
    if request.GET.get("month"):
        try:
            month = services.parse_month(request.GET["month"])
        except (ValueError, TypeError):
            messages.warning(request, _("月份应写作 2026-11 这样的格式，已显示全部月份。"))
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    data = review.review_page(user=request.user, month=month, org=org, page=page)
    try:
        after = int(request.GET.get("after") or 0)
    except ValueError:
        after = 0
    query = request.GET.copy()
    query.pop("after", None)
    keep = query.urlencode()  # this page, for the forms' way back
    query.pop("page", None)
    return render(
        request,
        "pilot/review.html",
        {
            "data": data,
            "month": month,
            "org": org,
            "query": query.urlencode(),
            # Without JavaScript a decision comes back here, its message shown just before the
            # card that followed the one decided (``after``), scrolled to by the anchor.
            "next_base": f"{reverse('pilot:review')}?{keep}{'&' if keep else ''}after=",
            "status_at": after if any(it.pk == after for it in data.items) else None,
        },
    )


def _back(request, item_id: int) -> str:
    nxt = request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse("pilot:review")


@login_required
@require_POST
def review_decide(request, item_id: int):
    item = selectors.item_get(user=request.user, item_id=item_id)  # 404 outside the subtree
    require(request.user, Action.REVIEW, item)  # 403: not the level above, or the one who reported it
    form = ReviewForm(request.POST)
    what = review.item_words(item)
    if form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"].strip()
        try:
            services.report_review(actor=request.user, item=item, decision=decision, reason=reason)
        except ValidationError as e:
            ok, msg = False, _("未能审核：%(w)s。%(e)s") % {"w": what, "e": "；".join(e.messages)}
        else:
            ok = True
            if decision == ReviewDecision.ACCEPT:
                msg = _("已通过：%(w)s") % {"w": what}
            else:
                msg = _("已退回：%(w)s（原因：%(r)s）") % {"w": what, "r": reason}
    else:
        ok, msg = False, _("未能审核：%(w)s。%(e)s") % {"w": what, "e": "；".join(
            m for errs in form.errors.values() for m in errs)}  # fmt: skip
    if _wants_json(request):
        return JsonResponse({"ok": ok, "message": msg, "status": item.status if not ok else None},
                            status=200 if ok else 400)  # fmt: skip
    (messages.success if ok else messages.error)(request, msg)
    back = _back(request, item.pk)
    if not ok:  # the card is still there: come back to it
        path, _sep, query = back.split("#")[0].partition("?")
        kept = "&".join(p for p in query.split("&") if p and not p.startswith("after="))
        back = f"{path}?{kept}{'&' if kept else ''}after={item.pk}#review-status"
    return redirect(back)
