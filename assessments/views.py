"""Short views: parse, call one selector or service, render."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from branches import params
from branches.models import Domain, Organization
from branches.policy import Action, allows, may_anywhere, orgs_for, require, role_orgs
from branches.scoping import org_for_user_or_404

from . import ranking_cache, selectors, services
from .explain import num as _num
from .explain import rank_text
from .explain import why_line as _why
from .models import SchemeKind
from .scoring import PeriodError, parse_period
from .source_links import source_links
from .views_helpers import _parse_date, _period

# --- results ----------------------------------------------------------------------------------------


@login_required
def index(request):
    period = _period(request)
    orgs = list(
        Organization.objects.visible_to(request.user)
        .filter(level__in=["city", "township"])
        .order_by("path")[:40]
    )
    units = selectors.contact_units(user=request.user)
    return render(
        request,
        "assessments/index.html",
        {
            "period": period,
            "scopes": orgs,
            "contacts": units,
            "own": list(role_orgs(request.user, Action.REPORT).order_by("path")[:20]) if not orgs else [],
            "is_city_admin": may_anywhere(request.user, Action.ADMINISTER),
        },
    )


def _unit_result_context(request, org, period: str) -> dict:
    result = selectors.unit_result(user=request.user, org=org, period=period)
    year = parse_period(period).year
    trend = selectors.unit_trend(user=request.user, org=org, year=year)
    for i, t in enumerate(trend):  # server-side SVG bars, 100 points = 100 px
        h = float(t["row"]["total"]) if t["row"] else 0
        t.update(
            x=i * 100 + 25,
            cx=i * 100 + 50,
            h=round(min(h, 105), 1),
            y=round(112 - min(h, 105), 1),
            ty=round(108 - min(h, 105), 1),
        )
    previous = next((t for t in reversed(trend) if t["period"] < period and t["row"]), None)
    prev_result = (
        selectors.unit_result(user=request.user, org=org, period=previous["period"]) if previous else None
    )
    lines = _explain(result, prev_result, org, period)
    codes = entry_codes_for(org, period)
    labels = dict(codes)
    entries = selectors.unit_entries(user=request.user, org=org, period=period)
    for e in entries:
        e["label"] = labels.get(e["code"]) or ENTRY_LABELS.get(e["code"], e["code"])  # never the raw code
    can_rate = allows(request.user, Action.REVIEW, org)
    return {
        "org": org,
        "period": period,
        "result": result,
        "trend": trend,
        "lines": lines,
        "previous": prev_result,
        "why": _why(result, prev_result, lines),
        # 领域内第 68 名 / 全市第 147 名 (the township rank has its own figure beside it)
        "ranks": rank_text({"rank_domain": result.rank_domain, "rank_city": result.rank_city})
        if result
        else "",
        "entries": entries,
        "notice_run": selectors.notice_run(period=period),
        "can_rate": can_rate,
        "can_self": allows(request.user, Action.REPORT, org),
        "entry_codes": codes,
        "self_codes": [c for c in codes if c[0] != "veto"],
        "form": {"value": "1"},
    }


@login_required
def unit_result(request, org_id: int):
    org = org_for_user_or_404(request.user, org_id)
    return render(
        request, "assessments/unit_result.html", _unit_result_context(request, org, _period(request))
    )


def _explain(result, prev, org, period):
    """Each breakdown line with the change from the previous quarter and a link to its rows."""
    if not result:
        return []
    before = {x["code"]: x["points"] for x in (prev.breakdown if prev else [])}
    links = source_links(org, period)
    from .sources import get_source

    out = []
    for line in result.breakdown:
        src = get_source(line["source"])
        change = None
        if line["code"] in before:
            change = round(line["points"] - before[line["code"]], 2)
        raw = line.get("raw")
        if raw is None:
            shown = "—"
        elif line.get("num") is not None and (src is None or src.percent):  # a rate: 0.875 → 87.5%
            shown = _num(raw * 100) + "%"
        else:
            shown = _num(raw)
        label = src.label if src else line["source"]
        if line["source"].startswith("entered:"):  # 评定录入：表彰奖励, never the raw code
            code = line["source"].split(":", 1)[1]
            label = _("评定录入：%(c)s") % {"c": ENTRY_LABELS.get(code, line.get("name") or code)}
        out.append(
            {
                **line,
                "source_label": label,
                "link": links.get(src.link if src else "", ""),
                "change": change,
                "raw_shown": shown,
                "points_shown": _num(line["points"]),
                "max_shown": _num(line.get("max")),
                "change_shown": None if change is None else ("+" if change > 0 else "") + _num(change),
            }
        )
    return out


ENTRY_CODES = [
    ("honor", _lazy("表彰奖励（加分）")),
    ("typical", _lazy("典型经验被推广（加分）")),
    ("innovation", _lazy("创新项目")),
    ("veto", _lazy("一票否决情形")),
]
ENTRY_LABELS = dict(ENTRY_CODES)


def entry_codes_for(org, period: str) -> list[tuple[str, str]]:
    """The entered items (``entered:<code>``) of the published schemes of the period's year that
    cover ``org`` — what there is to type (an honor recorded in 试点推进 is not among them: it is
    read from there). Plus 创新项目 (五星 needs it). Two queries."""
    from .models import Indicator, SchemeStatus
    from .sources import ENTERED_PREFIX

    year = parse_period(period).year
    rows = (
        Indicator.objects.filter(scheme__year=year, scheme__status=SchemeStatus.PUBLISHED, source__startswith=ENTERED_PREFIX)
        .filter(Q(scheme__scope__isnull=True) | Q(scheme__scope__path__in=org_ancestor_paths(org)))
        .order_by("sort_order", "id")
        .values_list("source", "name", "scheme__domains")
    )  # fmt: skip
    out: dict[str, str] = {}
    for source, name, domains in rows:
        if not domains or org.domain in domains:
            out.setdefault(source[len(ENTERED_PREFIX) :], name)
    out.setdefault("innovation", str(_("创新项目")))
    return list(out.items()) if len(out) > 1 else ENTRY_CODES


def org_ancestor_paths(org) -> list[str]:
    step = org.steplen
    return [org.path[:k] for k in range(step, len(org.path) + 1, step)]


@login_required
@require_POST
def entry(request, org_id: int):
    """自评 (the unit) or 上级评定 (the level above): a value for an ``entered:<code>`` indicator
    of a period. A refused value re-renders the page with what was typed and the reason."""
    org = org_for_user_or_404(request.user, org_id)
    p = request.POST
    form = {k: p.get(k, "") for k in ("period", "code", "value", "note", "stage")}
    try:
        period = parse_period(form["period"]).code
        codes = dict(entry_codes_for(org, period))
        if form["code"] not in codes or (form["stage"] == "self" and form["code"] == "veto"):
            raise ValidationError({"code": _("请选择评定项目。")})
        services.entry_set(actor=request.user, organization=org, period=period, code=form["code"],
                           value=form["value"] or "0", stage=form["stage"] or "superior", note=form["note"][:200])  # fmt: skip
    except (ValidationError, PeriodError) as e:
        try:
            shown = parse_period(form["period"]).code
        except PeriodError:
            shown = _period(request)
        ctx = _unit_result_context(request, org, shown)
        errors = e.messages if isinstance(e, ValidationError) else [str(e)]
        ctx.update(form=form, form_errors=errors)
        return render(request, "assessments/unit_result.html", ctx, status=400)
    messages.success(request, _("评定已录入，重新计算本期得分后计入。"))
    return redirect(reverse("assessments:unit_result", args=[org.pk]) + f"?period={period}#entries")


RANKING_KINDS = [
    (SchemeKind.SUPERVISION, _lazy("季度督办得分")),
    (SchemeKind.FORTRESS, _lazy("堡垒指数（党支部）")),
]


def _grid_kind(request) -> str:
    return params.choice(request, "kind", SchemeKind, SchemeKind.SUPERVISION, label=_("类别"))


def _grid_period(request, kind: str) -> str:
    from .models import KIND_CADENCE

    today = timezone.localdate()
    default = {"Q": services.current_quarter(today), "H": f"{today.year}H{1 if today.month <= 6 else 2}"}
    return params.period(request, default.get(KIND_CADENCE[kind], str(today.year)), shapes=KIND_CADENCE[kind])


@login_required
def entry_grid(request, org_id: int):
    """评定录入表: every entered indicator of the scheme for many units at once — rows = the
    units below ``org`` the user rates (上级评定), columns = the entered indicators. Saved through
    ``entry_set`` (audited, old and new value), all or nothing: a refused value re-renders the
    grid with everything typed and a message naming the unit and the indicator."""
    scope = org_for_user_or_404(request.user, org_id)
    kind = _grid_kind(request)
    period = _grid_period(request, kind)
    page = params.integer(request, "page", 1)
    grid = selectors.entry_grid(user=request.user, scope=scope, period=period, kind=kind, page=page)
    if (
        not grid["count"]
        and not orgs_for(request.user, Action.REVIEW).filter(path__startswith=scope.path).exists()
    ):
        raise PermissionDenied  # nobody below to rate: a unit secretary (自评 is on the unit's page)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        changes = []
        for row in grid["rows"]:
            for cell in row["cells"]:
                if not cell["editable"]:
                    continue
                typed = request.POST.get(f"v-{row['id']}-{cell['code']}", "").strip()
                cell["typed"] = typed
                if typed == "" or (cell["value"] is not None and _same(typed, cell["value"])):
                    continue
                changes.append((row, cell, typed))
        try:
            with transaction.atomic():
                for row, cell, typed in changes:
                    try:
                        services.entry_set(actor=request.user, organization=row["org"],
                                           period=period, code=cell["code"], value=typed, stage="superior")  # fmt: skip
                    except ValidationError as e:
                        errors.append(
                            _("%(u)s · %(i)s：%(m)s")
                            % {"u": row["name"], "i": cell["name"], "m": "；".join(e.messages)}
                        )
                        cell["error"] = True
                if errors:
                    raise _Refused
        except _Refused:
            status = 400
        else:
            messages.success(
                request, _("已保存 %(n)s 项评定，重新计算本期得分后计入。") % {"n": len(changes)}
            )
            url = reverse("assessments:entry_grid", args=[scope.pk])
            return redirect(f"{url}?kind={kind}&period={period}&page={grid['page']}")
    return render(
        request,
        "assessments/entry_grid.html",
        {"scope": scope, "period": period, "kind": kind, "kinds": SchemeKind.choices, "grid": grid,
         "errors": errors},
        status=status,
    )  # fmt: skip


class _Refused(Exception):
    """Roll the whole grid back when any value is refused (nothing half-saved)."""


def _same(typed: str, value) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(typed) == value
    except (InvalidOperation, ValueError):
        return False


@login_required
def ranking(request, org_id: int):
    """比学赶帮超: units by quarterly score, or 党支部 by fortress index (``?kind=fortress``, by
    year) — a page of 100 at a time — and the 后进 list with each one's 整改方案."""
    scope = org_for_user_or_404(request.user, org_id)
    kind = params.choice(request, "kind", dict(RANKING_KINDS), SchemeKind.SUPERVISION, label=_("排名"))
    if kind == SchemeKind.FORTRESS:  # the fortress index is yearly
        period = params.period(request, lambda: selectors.latest_published_period(kind=kind)
                               or str(timezone.localdate().year), shapes="Y")  # fmt: skip
    else:
        period = _period(request, kind)
    domain = params.choice(request, "domain", Domain, label=_("领域"))
    page = ranking_cache.ranking_page(user=request.user, scope=scope, period=period, kind=kind, domain=domain,
                                  page=params.integer(request, "page", 1))  # fmt: skip
    lagging = selectors.lagging_with_plans(user=request.user, scope=scope, period=period, kind=kind)
    return render(
        request,
        "assessments/ranking.html",
        {
            "scope": scope,
            "period": period,
            "kind": kind,
            "kinds": RANKING_KINDS,
            "is_fortress": kind == SchemeKind.FORTRESS,
            "year": parse_period(period).year,
            "page": page,
            "rows": page["rows"],
            "lagging": lagging,
            "domain": domain,
            "domains": Domain.choices,
        },
    )


@login_required
def fortress(request, org_id: int):
    """堡垒指数 of a 党支部 (or of the branches of a 党总支): index, star, breakdown with the source of
    every point, ranks, the 党支部 not rated and why, and the 整改方案 when it is 后进."""
    org = org_for_user_or_404(request.user, org_id)
    year = params.year(request, selectors.fortress_year)
    data = selectors.fortress_of(user=request.user, org=org, year=year)
    lines = []
    if data["own"]:
        lines = _explain(SimpleNamespace(breakdown=data["own"]["breakdown"]), None, org, str(year))
    plan = selectors.plan_get(user=request.user, org=org, year=year) if year else None
    return render(
        request,
        "assessments/fortress.html",
        {"org": org, "year": year, "data": data, "lines": lines, "plan": plan,
         "can_plan": allows(request.user, Action.MANAGE, org)},
    )  # fmt: skip


@login_required
def plan(request, org_id: int):
    """后进整改方案 of a branch or unit for a year: the unit itself or the level above writes it;
    a refused form re-renders with what was typed."""
    org = org_for_user_or_404(request.user, org_id)
    year = params.year(request, lambda: timezone.localdate().year)
    current = selectors.plan_get(user=request.user, org=org, year=year)
    allowed = allows(request.user, Action.MANAGE, org)
    fields = ("plan", "responsible", "deadline", "progress", "progress_note")
    form = {f: ("" if current is None else str(getattr(current, f))) for f in fields}
    errors = []
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        form = {f: request.POST.get(f, "").strip() for f in fields}
        try:
            deadline = _parse_date(form["deadline"])
            services.rectification_plan_save(actor=request.user, organization=org, year=year, plan=form["plan"],
                                              responsible=form["responsible"], deadline=deadline,
                                              progress=form["progress"] or 0, progress_note=form["progress_note"])  # fmt: skip
        except ValidationError as e:
            errors = e.messages
        else:
            messages.success(request, _("整改方案已保存。"))
            return redirect(reverse("assessments:plan", args=[org.pk]) + f"?year={year}")
    return render(
        request,
        "assessments/plan.html",
        {"org": org, "year": year, "plan": current, "form": form, "form_errors": errors, "can_edit": allowed},
        status=400 if errors else 200,
    )


@login_required
def city(request):
    require(request.user, Action.ADMINISTER)
    period = _period(request)
    ov = selectors.city_overview(user=request.user, period=period)
    labels = dict(Domain.choices)
    for d in ov["domains"]:
        d["label"] = labels.get(d["domain"], d["domain"])
    fy = selectors.fortress_year(upto=parse_period(period).year)
    towns = selectors.fortress_by_township(user=request.user, year=fy)
    return render(
        request,
        "assessments/city.html",
        {"period": period, "ov": ov, "fortress_year": fy, "fortress_towns": towns},
    )
