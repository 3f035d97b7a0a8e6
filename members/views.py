from __future__ import annotations

import re

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import params
from branches.exporting import xlsx_response
from branches.policy import Action, action_q, allows, may_anywhere, require
from branches.scoping import org_for_user_or_404

from . import importing, records, resident_id, selectors, services, views_life
from .crypto import blind_index
from .forms import (
    ImportForm,
    MemberFilterForm,
    MemberForm,
    PaymentForm,
    PioneerRowForm,
    TransferForm,
    VisitForm,
)
from .models import Member, Part, PioneerEntry, PioneerScore

PAGE_SIZE = 50


def _year(request) -> int:
    from pilot.selectors import default_year

    return params.year(request, default_year)


def _filters(request):
    form = MemberFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    org = None
    if filters.get("org"):
        org = org_for_user_or_404(request.user, filters["org"])
    return form, {**filters, "organization": org}, org


_ID_LIKE = re.compile(r"^\d{17}[\dX]$")


def _search_redirect(request):
    """Searches are posted, then redirected to a GET URL in which a full resident ID has become its
    blind index: the number never appears in a URL, an access log or the browser history."""
    params = (request.POST if request.method == "POST" else request.GET).copy()
    params.pop("csrfmiddlewaretoken", None)
    params.pop("page", None)
    q = resident_id.normalize(params.get("q", ""))
    if _ID_LIKE.match(q):
        params.pop("q")
        params["rid"] = blind_index(q)
    elif request.method != "POST":
        return None
    return redirect(f"{request.path}?{params.urlencode()}")


@login_required
def member_list(request):
    if (resp := _search_redirect(request)) is not None:
        return resp
    form, filters, org = _filters(request)
    qs = selectors.member_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_act = importing.manage_prefixes(request.user) != ()
    return render(request, "members/member_list.html", {
        "form": form, "page": page, "org": org, "query": query.urlencode(), "can_act": can_act,
        "can_export_full": allows(request.user, Action.VIEW_FULL_ID, org),
        "can_export": allows(request.user, Action.EXPORT, org),
        "by_id": bool(filters.get("rid")),
    })  # fmt: skip


@login_required
def member_export(request):
    _form, filters, org = _filters(request)
    require(request.user, Action.EXPORT, org)
    # Only the subtrees where the user may export.
    qs = selectors.member_list(user=request.user, filters=filters).filter(
        action_q(request.user, Action.EXPORT, "organization__path")
    )
    rows = (
        (m.name, m.get_gender_display(), m.ethnicity, m.resident_id_masked, m.birth_date, m.get_education_display(),
         m.phone, m.joined_on, m.full_member_on, m.get_category_display(), m.organization.code,
         "是" if m.eid_authenticated else "否", m.get_status_display())
        for m in qs
    )  # fmt: skip
    return xlsx_response(user=request.user, what="党员花名册", filename="党员花名册", headers=importing.HEADERS,
                         rows=rows, filters=dict(request.GET.items()), sheet="党员花名册",
                         extra_sheets=records.roster_record_sheets(qs, full_ids=False))  # fmt: skip


@login_required
def member_detail(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    full = allows(request.user, Action.VIEW_FULL_ID, m.organization)
    if full:
        services.resident_id_viewed(actor=request.user, member=m)
    return render(request, "members/member_detail.html", {
        "m": m, "full_id": m.resident_id if full else m.resident_id_masked,
        "can_manage": allows(request.user, Action.MANAGE, m.organization),
        "visit_form": VisitForm(initial={"visited_on": timezone.localdate()}),
        "payment_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
        "transfer_form": TransferForm(initial={"on": timezone.localdate()}),
        **selectors.member_detail(member=m, year=_year(request)),
        **views_life.member_life_context(request, m),
    })  # fmt: skip


def _save_member(request, form, member=None):
    try:
        if member is None:
            return services.member_create(actor=request.user, **form.cleaned_fields())
        return services.member_update(actor=request.user, member=member, **form.cleaned_fields())
    except ValidationError as e:
        if hasattr(e, "error_dict"):
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            form.add_error(None, e.messages)
    return None


@login_required
def member_create(request):
    if not may_anywhere(request.user, Action.MANAGE):
        raise PermissionDenied
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        m = _save_member(request, form)
        if m:
            messages.success(request, _("已添加党员 %(name)s。") % {"name": m.name})
            return redirect("members:detail", m.pk)
    return render(request, "members/member_form.html", {"form": form, "title": _("添加党员")})


@login_required
def member_edit(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    require(request.user, Action.MANAGE, m.organization)
    form = MemberForm(request.POST or None, instance=m, user=request.user)
    if form.masked_id is None and request.method == "GET":
        services.resident_id_viewed(actor=request.user, member=m)  # the edit form shows it in full
    if request.method == "POST" and form.is_valid() and _save_member(request, form, m):
        messages.success(request, _("已保存。"))
        return redirect("members:detail", m.pk)
    return render(request, "members/member_form.html", {"form": form, "title": _("编辑党员信息"), "m": m})


@login_required
@require_POST
def member_transfer(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    require(request.user, Action.MANAGE, m.organization)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            services.member_transfer_out(actor=request.user, member=m, status=form.cleaned_data["status"],
                                         on=form.cleaned_data["on"])  # fmt: skip
            messages.success(request, _("党员状态已变更，记录保留。"))
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, _("请选择状态并填写日期。"))
    return redirect("members:detail", m.pk)


@login_required
@require_POST
def member_eid(request):
    """Record e-ID authentication for the members ticked on the list (or the one on its page)."""
    ids = [i for i in request.POST.getlist("ids") if i.isdigit()][:1000]
    if not ids:
        messages.error(request, _("请先勾选党员。"))
        return redirect("members:list")
    chosen = list(Member.objects.visible_to(request.user).filter(pk__in=ids).select_related("organization"))
    if not chosen:
        raise Http404
    else:
        n = services.members_eid_authenticate(actor=request.user, members=chosen)
        messages.success(request, _("已记录 %(n)d 名党员完成电子身份认证。") % {"n": n})
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/members/") else "members:list")


def _care_record(request, member_id: int, form_class, service, done: str, incomplete: str):
    """Visits and payments are posted from the member page and land back on it with a message."""
    m = selectors.member_get(user=request.user, member_id=member_id)
    require(request.user, Action.MANAGE, m.organization)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, member=m, **form.cleaned_data)
            messages.success(request, done)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        errors = "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        messages.error(request, incomplete + errors)
    return redirect("members:detail", m.pk)


@login_required
@require_POST
def care_visit(request, member_id: int):
    return _care_record(request, member_id, VisitForm, services.care_visit_add, _("已记录润心走访。"),
                        _("走访信息不完整："))  # fmt: skip


@login_required
@require_POST
def care_payment(request, member_id: int):
    return _care_record(request, member_id, PaymentForm, services.care_payment_add, _("已记录关爱资金发放。"),
                        _("发放信息不完整："))  # fmt: skip


# --- import -----------------------------------------------------------------------------------


def _may_import(user) -> bool:
    return importing.manage_prefixes(user) != ()


@login_required
def roster_import(request):
    if not _may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "headers": importing.HEADERS}
    if request.method == "POST" and form.is_valid():
        try:
            plan, token = services.roster_import_preview(actor=request.user, upload=form.cleaned_data["file"])
            ctx.update(plan=plan, token=token, shown=plan.changes[:500] if plan.ok else [])
        except importing.ImportFileError as e:
            form.add_error("file", str(e))
    return render(request, "members/import.html", ctx)


@login_required
@require_POST
def roster_import_confirm(request):
    if not _may_import(request.user):
        raise PermissionDenied
    try:
        plan = services.roster_import_confirm(actor=request.user, token=request.POST.get("token", ""))
    except (ValidationError, importing.ImportFileError) as e:
        messages.error(request, "；".join(getattr(e, "messages", [str(e)])))
        return redirect("members:import")
    if not plan.ok:
        return render(
            request, "members/import.html", {"form": ImportForm(), "plan": plan, "headers": importing.HEADERS}
        )
    c = plan.counts
    messages.success(
        request, _("导入完成：新增 %(new)d 人，更新 %(updated)d 人，未变化 %(unchanged)d 人。") % c
    )
    return redirect("members:list")


# The import template (with the secretary's organization code, a text ID column and drop-downs)
# is built beside the full-ID export it round-trips with: members/roundtrip.py.
from .roundtrip import roster_template  # noqa: E402, F401

# --- pioneer index grid -----------------------------------------------------------------------


@login_required
def pioneer_grid(request, org_id: int):
    """The branch secretary's one page: every member of the branch in rows, indicators in columns."""
    org = org_for_user_or_404(request.user, org_id)
    year = _year(request)
    part = params.choice(request, "part", Part, Part.BRANCH, label=_("评价部分"))
    scheme = services.pioneer_scheme_default(year=year)
    indicators = [i for i in scheme.indicators.all() if not i.is_veto]
    veto = next((i for i in scheme.indicators.all() if i.is_veto), None)
    members = list(
        Member.objects.visible_to(request.user).current().filter(organization=org).order_by("name", "id")
    )
    editable = allows(request.user, Action.MANAGE, org)
    Formset = djforms.formset_factory(PioneerRowForm, extra=0)
    existing = {
        e.member_id: e for e in PioneerEntry.objects.filter(scheme=scheme, part=part, member__in=members)
    }
    initial = [
        {"member_id": m.pk, "vetoed": existing[m.pk].vetoed if m.pk in existing else False,
         **{f"i{i.pk}": (existing[m.pk].values.get(str(i.pk)) if m.pk in existing else None) for i in indicators}}
        for m in members
    ]  # fmt: skip
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        formset = Formset(request.POST, initial=initial, form_kwargs={"indicators": indicators})
        if formset.is_valid():
            by_id = {m.pk: m for m in members}
            rows = [{"member": by_id[f.cleaned_data["member_id"]], "values": f.values(), "vetoed": f.cleaned_data["vetoed"]}
                    for f in formset if f.cleaned_data.get("member_id") in by_id]  # fmt: skip
            services.pioneer_entries_save(actor=request.user, org=org, scheme=scheme, part=part, rows=rows)
            messages.success(request, _("已保存 %(n)d 名党员的评价并计算先锋指数。") % {"n": len(rows)})
            return redirect(f"{request.path}?year={year}&part={part}")
        messages.error(request, _("有填写错误，请按红色提示修改后再保存（已填写的内容都保留着）。"))
    else:
        formset = Formset(initial=initial, form_kwargs={"indicators": indicators})
    scores = {s.member_id: s for s in PioneerScore.objects.filter(year=year, member__in=members)}
    rows = [(m, f, scores.get(m.pk)) for m, f in zip(members, formset.forms, strict=False)]
    for m, f, _s in rows:  # each cell names its member and indicator for screen readers
        for name, field in f.fields.items():
            if name != "member_id":
                field.widget.attrs["aria-label"] = f"{m.name} · {field.label}"
    return render(request, "members/pioneer_grid.html", {
        "org": org, "year": year, "part": part, "parts": Part.choices, "scheme": scheme, "indicators": indicators,
        "veto": veto, "formset": formset, "rows": rows, "editable": editable,
    })  # fmt: skip


@login_required
def care_overview(request, org_id: int):
    """困难党员关爱: visits and care funds of a year for an organization and each organization under it."""
    from branches.models import Organization

    org = org_for_user_or_404(request.user, org_id)
    year = _year(request)
    children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    totals = selectors.care_totals(org_paths=[org.path] + [c.path for c in children], year=year)
    rates = selectors.member_rates(org_paths=[org.path] + [c.path for c in children], year=year)
    return render(request, "members/care.html", {
        "org": org, "year": year, "total": totals[org.path], "difficulty": rates[org.path].difficulty,
        "rows": [(c, totals[c.path], rates[c.path].difficulty) for c in children],
    })  # fmt: skip
