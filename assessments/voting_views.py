"""The public answer pages (no login: the survey, the unit's page with its duty report, a ballot)
and the pages the level above uses to print one-time ballots. Rules: ``assessments.voting``."""

from __future__ import annotations

import hashlib
import io
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from branches import params
from branches.middleware import current_ip
from branches.policy import Action, allows, require
from branches.scoping import get_visible_or_404, org_for_user_or_404

from . import selectors, services, voting
from .ballots_models import BallotBatch, BallotPurpose
from .models import DutyRating, DutyReport, PublicPage, RunStatus, Satisfaction, ScoreResult

DEVICE_COOKIE = "pb_device"


def _address(request) -> str:
    ip = current_ip() or request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()[:32]


def _source(request) -> str:
    return voting.source_hash(current_ip() or request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_USER_AGENT", ""))  # fmt: skip


def _device(request) -> tuple[str, bool]:
    d = request.COOKIES.get(DEVICE_COOKIE, "")
    if len(d) >= 16:
        return d, False
    return secrets.token_urlsafe(24), True


def _prefix() -> str:
    return getattr(settings, "ASSESSMENTS_CACHE_PREFIX", "assess") + ":"


def _signer():
    return signing.TimestampSigner(salt="assessments.survey")


def _form_token(scope: str) -> str:
    return _signer().sign(f"{scope}:{secrets.token_urlsafe(12)}")


def _token_ok(token: str, scope: str) -> bool:
    """Signed, fresh, for this page, and not used before (one-time: the nonce is burned in the cache)."""
    try:
        value = _signer().unsign(token, max_age=settings.ASSESSMENTS_SURVEY_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    if not value.startswith(f"{scope}:"):
        return False
    return cache.add(f"{_prefix()}nonce:{value}", 1, settings.ASSESSMENTS_SURVEY_TOKEN_MAX_AGE)


def _public_page(key: str) -> PublicPage:
    try:
        return PublicPage.objects.select_related("organization").get(key=key)
    except PublicPage.DoesNotExist:
        raise Http404 from None


def _with_device(response, device, new):
    if new:
        response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return response


def survey(request, key: str):
    page = _public_page(key)
    org = page.organization
    device, new = _device(request)
    scope = f"s{org.pk}"
    state = "form"
    if request.method == "POST":
        rating = request.POST.get("rating", "")
        address = _address(request)
        if not _token_ok(request.POST.get("token", ""), scope):
            state = "expired"
        elif rating not in Satisfaction.values:
            messages.error(request, _("请选择“满意”“基本满意”或“不满意”。"))
        elif voting.over_limit(device=device, address=address):
            state = "limited"
        else:
            r = services.survey_answer(
                organization=org,
                device=device,
                rating=rating,
                comment=request.POST.get("comment", ""),
                source=_source(request),
            )
            if r:
                voting.counted(device=device, address=address)
            state = "thanks" if r else "already"
    elif not new and voting.survey_answered(organization=org, device=device):
        state = "already"
    resp = render(request, "assessments/survey.html", {"org": org, "state": state, "token": _form_token(scope),
                                                        "choices": Satisfaction.choices, "key": key, "comment": request.POST.get("comment", "")})  # fmt: skip
    return _with_device(resp, device, new)


def public_unit(request, key: str):
    page = _public_page(key)
    org = page.organization
    device, new = _device(request)
    report = DutyReport.objects.filter(organization=org).order_by("-year").first()
    state = ""
    if request.method == "POST" and report:
        scope = f"d{report.pk}"
        address = _address(request)
        if not _token_ok(request.POST.get("token", ""), scope):
            state = "expired"
        elif not (
            request.POST.get("rating") in Satisfaction.values
            and request.POST.get("rater") in DutyRating.Rater.values
        ):
            messages.error(request, _("请选择您的身份和评议结果。"))
        elif voting.over_limit(device=device, address=address):
            state = "limited"
        else:
            r = services.duty_rate(report=report, device=device, rater=request.POST["rater"],
                                   rating=request.POST["rating"], source=_source(request))  # fmt: skip
            if r:
                voting.counted(device=device, address=address)
            state = "thanks" if r else "already"
    elif report and not new and voting.duty_rated(report=report, device=device):
        state = "already"
    token = _form_token(f"d{report.pk}") if report else ""
    notice = (
        ScoreResult.objects.filter(organization=org, run__status=RunStatus.NOTICE)
        .select_related("run")
        .order_by("-run__period")
        .first()
    )
    resp = render(request, "assessments/public_unit.html", {"org": org, "report": report, "state": state, "token": token, "key": key,
                                                            "choices": Satisfaction.choices, "raters": DutyRating.Rater.choices, "notice": notice})  # fmt: skip
    return _with_device(resp, device, new)


def ballot(request, code: str):
    """One printed slip: its form, counted once. A wrong code is a 404 and counts as a guess."""
    address = _address(request)
    if voting.guesses_exhausted(address):
        return render(request, "assessments/ballot.html", {"state": "limited"}, status=429)
    b = voting.ballot_for_code(code)
    if b is None:
        voting.wrong_guess(address)
        return render(request, "assessments/ballot.html", {"state": "invalid"}, status=404)
    batch = b.batch
    state = "used" if b.used_at else "form"
    if request.method == "POST" and state == "form":
        scope = f"b{b.pk}"
        if not _token_ok(request.POST.get("token", ""), scope):
            state = "expired"
        else:
            try:
                state = voting.ballot_answer(
                    code=b.code,
                    rating=request.POST.get("rating", ""),
                    rater=request.POST.get("rater", ""),
                    comment=request.POST.get("comment", ""),
                )
            except ValidationError:
                messages.error(request, _("请完整选择后再提交。"))
    return render(request, "assessments/ballot.html", {
        "state": state, "code": b.code, "batch": batch, "org": batch.organization, "token": _form_token(f"b{b.pk}"),
        "choices": Satisfaction.choices, "raters": DutyRating.Rater.choices, "is_duty": batch.purpose == BallotPurpose.DUTY,
        "comment": request.POST.get("comment", ""),
    })  # fmt: skip


# --- signed-in pages ----------------------------------------------------------------------------


@login_required
def surveys(request, org_id: int):
    org = org_for_user_or_404(request.user, org_id)
    period = params.period(
        request, lambda: params.latest(selectors.survey_periods(org=org), services.current_quarter())
    )
    return render(
        request,
        "assessments/surveys.html",
        {
            "org": org,
            "period": period,
            "s": selectors.survey_summary(user=request.user, org=org, period=period),
            "can_ballot": allows(request.user, Action.REVIEW, org),
        },
    )


@login_required
def qr(request, org_id: int):
    """Printable page with the unit's survey QR code (SVG, drawn here, no CDN)."""
    org = org_for_user_or_404(request.user, org_id)
    require(request.user, Action.MANAGE, org)
    page = services.public_page_for(org)
    url = request.build_absolute_uri(reverse("assessments:survey", args=[page.key]))
    return render(
        request,
        "assessments/qr.html",
        {
            "org": org,
            "url": url,
            "svg": qr_svg(url),
            "public": reverse("assessments:public_unit", args=[page.key]),
        },
    )


def qr_svg(url: str, box_size: int = 12) -> str:
    import qrcode
    import qrcode.image.svg

    buf = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size).save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


@login_required
def ballots(request, org_id: int):
    """The unit's ballot batches (who may see the unit sees how many were used); the level above
    issues new ones (审核 on the unit: never the unit itself)."""
    org = org_for_user_or_404(request.user, org_id)
    can_issue = allows(request.user, Action.REVIEW, org)
    form = {"purpose": BallotPurpose.SURVEY, "size": "50", "note": ""}
    if request.method == "POST":
        require(request.user, Action.REVIEW, org)
        form = {k: request.POST.get(k, v) for k, v in form.items()}
        try:
            batch = voting.ballots_issue(actor=request.user, organization=org, **form)
        except ValidationError as e:
            for errs in e.message_dict.values():
                for err in errs:
                    messages.error(request, err)
        else:
            messages.success(request, _("已制作 %(n)s 张评价票，请打印后发放。") % {"n": batch.size})
            return redirect("assessments:ballots_print", batch_id=batch.pk)
    batches = (
        BallotBatch.objects.filter(organization=org)
        .select_related("issued_by")
        .annotate(used=Count("ballots", filter=Q(ballots__used_at__isnull=False)))[:100]
    )
    return render(request, "assessments/ballots.html", {"org": org, "batches": batches, "can_issue": can_issue,
                                                         "form": form, "purposes": BallotPurpose.choices, "max": voting.MAX_BATCH})  # fmt: skip


@login_required
def ballots_print(request, batch_id: int):
    """Printable slips, each with its QR code and its code written out; only the issuing level."""
    batch = get_visible_or_404(
        BallotBatch.objects.visible_to(request.user).select_related("organization"), pk=batch_id
    )
    require(request.user, Action.REVIEW, batch.organization)
    slips = [
        {"code": b.code, "used": b.used_at is not None,
         "svg": qr_svg(request.build_absolute_uri(reverse("assessments:ballot", args=[b.code])), box_size=4)}
        for b in batch.ballots.all()
    ]  # fmt: skip
    return render(
        request, "assessments/ballots_print.html", {"batch": batch, "org": batch.organization, "slips": slips}
    )
