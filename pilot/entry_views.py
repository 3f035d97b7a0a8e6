"""Pages for the data units enter themselves (rules and writes: ``pilot.entry_services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import Domain, Organization
from branches.policy import Action, allows, orgs_for, require
from branches.scoping import get_visible_or_404
from config.downloads import UPLOAD_HEADERS, private_file_response

from . import entry_services as entry
from . import selectors
from .models import Brand, BrandCase, BrandKind, CollectiveIncome, Commitment, IncomeStatus
from .pocketbook_models import CommitmentRating


def _errors(request, e: ValidationError) -> None:
    for msgs in e.message_dict.values() if hasattr(e, "error_dict") else [e.messages]:
        for m in msgs:
            messages.error(request, m)


def _year(value, default: int) -> int:
    try:
        y = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return y if 2000 <= y <= 2100 else default


# --- 村级集体经济收入 -------------------------------------------------------------------------------


@login_required
def income_report(request, org_id: int):
    """The village's own figure for a year: report it, see whether the township confirmed it."""
    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.REPORT, org)
    this_year = timezone.localdate().year
    year = _year(request.POST.get("year") or request.GET.get("year"), this_year)
    form = {"year": year, "income": request.POST.get("income", ""), "note": request.POST.get("note", "")}
    if request.method == "POST":
        try:
            entry.income_report(
                actor=request.user, organization=org, year=year, income=form["income"], note=form["note"]
            )
        except ValidationError as e:
            _errors(request, e)
        else:
            messages.success(request, _("已报送 %(y)s 年集体经济收入，等待乡镇党委确认。") % {"y": year})
            return redirect(f"{reverse('pilot:income_report', args=[org.pk])}?year={year}")
    rows = list(
        CollectiveIncome.objects.filter(organization=org)
        .select_related("confirmed_by")
        .order_by("-year")[:10]
    )
    current = next((r for r in rows if r.year == year), None)
    if current and not form["income"]:
        form.update(income=current.income, note=current.note)
    return render(request, "pilot/income_report.html", {"org": org, "form": form, "rows": rows, "current": current,
                                                         "years": range(this_year, this_year - 4, -1)},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
def income_review(request):
    """The township's list of village figures waiting for confirmation."""
    reviewable = orgs_for(request.user, Action.REVIEW).filter(domain=Domain.VILLAGE).values("pk")
    rows = list(
        CollectiveIncome.objects.visible_to(request.user)
        .filter(status=IncomeStatus.SUBMITTED, organization__in=reviewable)
        .select_related("organization", "reported_by")
        .order_by("organization__path", "-year")[:100]
    )
    return render(request, "pilot/income_review.html", {"rows": rows})


def _income(request, income_id: int) -> CollectiveIncome:
    qs = CollectiveIncome.objects.visible_to(request.user).select_related("organization")
    return get_visible_or_404(qs, pk=income_id)


@login_required
@require_POST
def income_confirm(request, income_id: int):
    inc = _income(request, income_id)
    try:
        entry.income_confirm(actor=request.user, income=inc, target=request.POST.get("target"),
                             is_weak=request.POST.get("is_weak") == "1")  # fmt: skip
    except ValidationError as e:
        _errors(request, e)
    else:
        messages.success(request, _("已确认：%(o)s %(y)s 年集体经济收入 %(i)s 万元。") % {"o": inc.organization.name, "y": inc.year, "i": inc.income})  # fmt: skip
    return redirect(f"{reverse('pilot:income_review')}#inc{inc.pk}")


@login_required
@require_POST
def income_return(request, income_id: int):
    inc = _income(request, income_id)
    try:
        entry.income_return(actor=request.user, income=inc, reason=request.POST.get("reason", ""))
    except ValidationError as e:
        _errors(request, e)
    else:
        messages.success(
            request, _("已退回：%(o)s %(y)s 年集体经济收入。") % {"o": inc.organization.name, "y": inc.year}
        )
    return redirect("pilot:income_review")


# --- 党建品牌 ------------------------------------------------------------------------------------


@login_required
def brand_edit(request, org_id: int | None = None, brand_id: int | None = None):
    brand = None
    if brand_id is not None:
        brand = get_visible_or_404(
            Brand.objects.visible_to(request.user).select_related("organization"), pk=brand_id
        )
        org = brand.organization
    else:
        org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    form = {f: getattr(brand, f, "") if brand else "" for f in entry.BRAND_PARTS}
    form["kind"] = form["kind"] or (BrandKind.VILLAGE if org.domain == Domain.VILLAGE else BrandKind.BRANCH)
    if request.method == "POST":
        form = {f: request.POST.get(f, "") for f in entry.BRAND_PARTS}
        try:
            brand = entry.brand_save(actor=request.user, organization=org, brand=brand, **form)
        except ValidationError as e:
            _errors(request, e)
        else:
            messages.success(request, _("品牌已保存；上级党组织审核后可发布到全市展示。"))
            return redirect("pilot:brand_detail", brand_id=brand.pk)
    return render(request, "pilot/brand_form.html", {"org": org, "brand": brand, "form": form, "kinds": BrandKind.choices},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
@require_POST
def brand_case_add(request, brand_id: int):
    brand = get_visible_or_404(
        Brand.objects.visible_to(request.user).select_related("organization"), pk=brand_id
    )
    try:
        entry.brand_case_add(actor=request.user, brand=brand, title=request.POST.get("title", ""),
                             body=request.POST.get("body", ""), photo=request.FILES.get("photo"))  # fmt: skip
    except ValidationError as e:
        _errors(request, e)
        request.session["brand_case_draft"] = {
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
        }
    else:
        messages.success(request, _("已添加典型个案。"))
    return redirect(f"{reverse('pilot:brand_detail', args=[brand.pk])}#cases")


@login_required
def brand_case_photo(request, case_id: int):
    visible = Brand.objects.visible_to(request.user).values("pk")
    case = get_visible_or_404(BrandCase.objects.filter(brand__in=visible), pk=case_id)
    return private_file_response(case.photo, filename=f"case-{case.pk}.jpg", content_type="image/jpeg", as_attachment=False,
                                 headers={**UPLOAD_HEADERS, "Cache-Control": "private, max-age=3600"})  # fmt: skip


# --- 书记责任口袋书, rated in public ---------------------------------------------------------------


def pocketbook_public(request, key: str):
    """The unit's commitments of the year, each rated once per device by members and the public."""
    from assessments import voting
    from assessments import voting_views as vv

    page = vv._public_page(key)
    org = page.organization
    device, new = vv._device(request)
    year = (
        Commitment.objects.filter(organization=org).order_by("-year").values_list("year", flat=True).first()
    )
    rows = list(Commitment.objects.filter(organization=org, year=year).order_by("id")) if year else []
    scope = f"pb{org.pk}"
    state, done = "form", set()
    if not new:
        done = set(CommitmentRating.objects.filter(
            commitment__in=rows, voter_hash__in=[voting.voter_hash(device, f"c{c.pk}") for c in rows]
        ).values_list("commitment_id", flat=True))  # fmt: skip
    if request.method == "POST" and rows:
        address = vv._address(request)
        rater = request.POST.get("rater", "")
        chosen = {c.pk: request.POST.get(f"r{c.pk}", "") for c in rows if request.POST.get(f"r{c.pk}")}
        if not vv._token_ok(request.POST.get("token", ""), scope):
            state = "expired"
        elif (
            rater not in CommitmentRating.Rater.values
            or not chosen
            or any(v not in CommitmentRating.Rating.values for v in chosen.values())
        ):
            messages.error(request, _("请选择您的身份，并至少评价一项承诺。"))
        elif voting.over_limit(device=device, address=address):
            state = "limited"
        else:
            source = vv._source(request)
            recorded = []
            for c in rows:
                if (
                    c.pk in chosen
                    and c.pk not in done
                    and entry.commitment_rate(
                        commitment=c, device=device, rater=rater, rating=chosen[c.pk], source=source
                    )
                ):
                    recorded.append(c.pk)
            if recorded:
                voting.counted(device=device, address=address)
            done |= set(recorded) | set(chosen)
            state = "thanks" if recorded else "already"
            rows = list(Commitment.objects.filter(pk__in=[c.pk for c in rows]).order_by("id"))
    if rows and state == "form" and all(c.pk in done for c in rows):
        state = "already"
    resp = render(request, "pilot/pocketbook_public.html", {
        "org": org, "year": year, "rows": rows, "done": done, "state": state, "token": vv._form_token(scope),
        "raters": CommitmentRating.Rater.choices, "choices": CommitmentRating.Rating.choices,
    })  # fmt: skip
    return vv._with_device(resp, device, new)


@login_required
def pocketbook_qr(request, org_id: int):
    """The printable QR code of the unit's public pocketbook page."""
    from assessments import services as assessments_services
    from assessments.voting_views import qr_svg

    org = get_visible_or_404(Organization.objects.visible_to(request.user), pk=org_id)
    require(request.user, Action.MANAGE, org)
    page = assessments_services.public_page_for(org)
    url = request.build_absolute_uri(reverse("pilot:pocketbook_public", args=[page.key]))
    return render(request, "pilot/pocketbook_qr.html", {"org": org, "url": url, "svg": qr_svg(url),
                                                        "may": allows(request.user, Action.MANAGE, org)})  # fmt: skip


def own_villages_reporting(user) -> list[Organization]:
    """The villages the user acts for (报送), for the economy page's 填报 buttons."""
    return list(
        orgs_for(user, Action.REPORT).filter(pk__in=selectors.own_org_ids(user), domain=Domain.VILLAGE)
    )
