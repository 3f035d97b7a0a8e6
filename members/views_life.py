"""Pages for a member's life beyond the roster: records tabs, 发展党员, 流动党员 (转接: members/views_transfers.py)."""

from __future__ import annotations

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
from branches.audit import audit_for
from branches.models import Organization
from branches.policy import Action, allows
from branches.scoping import get_visible_or_404, org_for_user_or_404, scope_q

from . import development as dev_rules
from . import floating, importing, records, selectors
from .forms_life import (
    ContactForm,
    DevelopmentStartForm,
    DevelopmentStepForm,
    EndFloatingForm,
    FloatingInForm,
    FloatingOutForm,
    StopForm,
    record_form_class,
)
from .models import Member
from .models_life import Development, DevelopmentStep, DevStage, DevStatus


def _form_errors(form, e: ValidationError) -> None:
    if hasattr(e, "error_dict"):
        for field, errs in e.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, e.messages)


def manageable_orgs(user):
    """Active organizations the user may manage (for the organization pickers)."""
    orgs = Organization.objects.filter(scope_q(user, "path")).filter(status="active").order_by("path")
    prefixes = importing.manage_prefixes(user)
    if prefixes is not None:
        orgs = orgs.filter(selectors.prefix_q(prefixes, "path"))
    return orgs


# --- records -----------------------------------------------------------------------------------

TAB_ORDER = ("positions", "rewards", "family", "trainings", "trips")


def member_life_context(request, m) -> dict:
    """What the member page adds: the records tabs (one query a kind) and the member's procedures."""
    tab = params.choice(request, "tab", records.KINDS, "positions", label=_("栏目"))
    recs = records.records_for(user=request.user, member=m)
    from .models_floating import FloatingRecord
    from .models_life import Transfer

    return {
        "tab": tab,
        "tabs": [(slug, records.KINDS[slug].label, len(recs[slug])) for slug in TAB_ORDER],
        "tab_rows": recs[tab],
        "member_transfers": list(
            Transfer.objects.visible_to(request.user)
            .filter(member=m)
            .select_related("from_org", "to_org")[:10]
        ),
        "member_floating": list(FloatingRecord.objects.filter(member=m)[:10]),
    }


def _record_member(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    if not allows(request.user, Action.MANAGE, m.organization):
        raise PermissionDenied
    return m


@login_required
def record_form(request, member_id: int, kind: str, record_id: int | None = None):
    """Add or edit one record; a refused save keeps everything typed."""
    if kind not in records.KINDS:
        raise Http404
    m = _record_member(request, member_id)
    k = records.KINDS[kind]
    rec = get_visible_or_404(k.model.objects.filter(member=m), pk=record_id) if record_id else None
    Form = record_form_class(kind)
    form = Form(request.POST or None, instance=rec)
    if request.method == "POST" and form.is_valid():
        try:
            records.record_save(actor=request.user, member=m, kind=kind, record=rec,
                                values={f: form.cleaned_data.get(f) for f in k.fields})  # fmt: skip
            messages.success(request, _("已保存%(k)s记录。") % {"k": k.label})
            return redirect(f"/members/{m.pk}/?tab={kind}#records")
        except ValidationError as e:
            _form_errors(form, e)
    return render(request, "members/record_form.html", {"m": m, "form": form, "kind": k, "rec": rec})


@login_required
@require_POST
def record_delete(request, member_id: int, kind: str, record_id: int):
    if kind not in records.KINDS:
        raise Http404
    m = _record_member(request, member_id)
    rec = get_visible_or_404(records.KINDS[kind].model.objects.filter(member=m), pk=record_id)
    records.record_delete(actor=request.user, member=m, kind=kind, record=rec)
    messages.success(request, _("已删除。"))
    return redirect(f"/members/{m.pk}/?tab={kind}#records")


# --- 发展党员 -------------------------------------------------------------------------------------


@login_required
def development_list(request):
    """Stage counts for an organization and each one under it; a count opens the people behind it."""
    org = org_for_user_or_404(request.user, request.GET["org"]) if request.GET.get("org") else None
    stage = params.choice(request, "stage", DevStage, label=_("阶段")) or None
    status = params.choice(request, "status", DevStatus, DevStatus.ACTIVE, label=_("状态"))
    if org is not None:
        roots = [org]
        children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    else:
        from branches.selectors import my_organizations

        roots = list(my_organizations(user=request.user))
        children = []
    counts = dev_rules.stage_counts(org_paths=[o.path for o in roots + children])
    qs = Development.objects.visible_to(request.user).filter(status=status).select_related("organization")
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if stage:
        qs = qs.filter(stage=stage)
    page = Paginator(qs.order_by("organization__path", "stage", "name", "id"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "members/development_list.html", {
        "org": org, "stage": stage, "status": status, "stages": DevStage.choices, "statuses": DevStatus.choices,
        "rows": [(o, [counts[o.path][s] for s in DevStage.values]) for o in roots + children],
        "n_roots": len(roots), "page": page, "steps": dev_rules.STEP,
        "can_start": importing.manage_prefixes(request.user) != (),
        "due": dev_rules.due_list(user=request.user), "today": timezone.localdate(),
    })  # fmt: skip


@login_required
def development_create(request):
    orgs = manageable_orgs(request.user)
    if importing.manage_prefixes(request.user) == ():
        raise PermissionDenied
    form = DevelopmentStartForm(request.POST or None, organizations=orgs,
                                initial={"applied_on": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            d = dev_rules.development_start(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记入党申请人 %(name)s。") % {"name": d.name})
            return redirect("members:development_detail", d.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return render(request, "members/development_form.html", {"form": form})


def _step_form(dev, data=None, nxt=None):
    nxt = nxt or dev_rules.STEP.get(dev.current_step + 1)
    if nxt is None or dev.status != DevStatus.ACTIVE:
        return None
    kwargs = {"months": nxt.months}
    if nxt.people:
        kwargs = {"people_qs": dev_rules.people_options(dev),
                  "people_label": _("培养联系人") if nxt.people == "contact" else _("入党介绍人")}  # fmt: skip
    return DevelopmentStepForm(
        data, initial={"number": nxt.number, "done_on": timezone.localdate()}, **kwargs
    )


def _detail(request, dev, form=None, status=200):
    done = {s.number: s for s in DevelopmentStep.objects.filter(development=dev).prefetch_related("people")}
    options = dev_rules.next_steps(dev)  # the line's next step, then 延长预备期 / 取消预备党员资格
    nxt = options[0] if options else None
    posted = str(form["number"].value()) if form is not None else None  # a refused step keeps what was typed

    def form_for(step):
        return form if posted == str(step.number) else _step_form(dev, nxt=step)

    main_form = form_for(nxt) if nxt else None
    others = [(s, form_for(s)) for s in options[1:] if dev_rules.may_do_step(request.user, dev, s.number)]
    stages = [
        (n, label, [(s, done.get(s.number)) for s in dev_rules.STEPS if s.stage == n])
        for n, label in dev_rules.STAGES
    ]
    history = selectors._history_rows(audit_for(dev).order_by("-at")[:30])
    return render(request, "members/development_detail.html", {
        "d": dev, "stages": stages, "next": nxt, "form": main_form, "rules": dev_rules.RULES, "others": others,
        "off_line": [(s, done.get(s.number)) for s in dev_rules.ALT_STEPS if s.number in done],
        "may_next": bool(nxt) and dev_rules.may_do_step(request.user, dev, nxt.number),
        "can_manage": allows(request.user, Action.MANAGE, dev.organization), "stop_form": StopForm(), "history": history,
        "today": timezone.localdate(), "see_member": _sees_member(request.user, dev.member_id),
    }, status=status)  # fmt: skip


def _sees_member(user, member_id) -> bool:
    """The member may have moved on (a transfer accepted elsewhere): link only what the user can open."""
    return bool(member_id) and Member.objects.visible_to(user).filter(pk=member_id).exists()


@login_required
def development_detail(request, development_id: int):
    return _detail(request, dev_rules.development_get(user=request.user, development_id=development_id))


@login_required
@require_POST
def development_step(request, development_id: int):
    dev = dev_rules.development_get(user=request.user, development_id=development_id)
    chosen = request.POST.get("number", "")
    nxt = next((s for s in dev_rules.next_steps(dev) if str(s.number) == chosen), None)
    if nxt is None or not dev_rules.may_do_step(request.user, dev, nxt.number):
        raise PermissionDenied
    form = _step_form(dev, request.POST, nxt=nxt)
    if form is None:
        raise PermissionDenied
    if form.is_valid():
        try:
            dev_rules.development_step(actor=request.user, development=dev, number=form.cleaned_data["number"],
                                       done_on=form.cleaned_data["done_on"],
                                       people=form.cleaned_data.get("people") or [],
                                       record=form.cleaned_data["record"], months=form.cleaned_data.get("months"))  # fmt: skip
            messages.success(
                request, _("已记录第 %(n)d 步“%(name)s”。") % {"n": nxt.number, "name": nxt.name}
            )
            return redirect("members:development_detail", dev.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return _detail(request, dev, form=form)


@login_required
@require_POST
def development_stop(request, development_id: int):
    dev = dev_rules.development_get(user=request.user, development_id=development_id)
    if not allows(request.user, Action.MANAGE, dev.organization):
        raise PermissionDenied
    form = StopForm(request.POST)
    if form.is_valid():
        dev_rules.development_stop(actor=request.user, development=dev, reason=form.cleaned_data["reason"])
        messages.success(request, _("已终止培养，记录保留。"))
    else:
        messages.error(request, _("请填写终止原因。"))
    return redirect("members:development_detail", dev.pk)


# --- 流动党员 ------------------------------------------------------------------------------------


@login_required
def floating_list(request):
    """Counts for an organization and each one under it, the reminders and the records."""
    from .models_floating import FloatDirection, FloatingRecord

    org = org_for_user_or_404(request.user, request.GET["org"]) if request.GET.get("org") else None
    direction = params.choice(request, "direction", FloatDirection, label=_("方向"))
    if org is not None:
        roots = [org]
        children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    else:
        from branches.selectors import my_organizations

        roots, children = list(my_organizations(user=request.user)), []
    today = timezone.localdate()
    counts = floating.floating_counts(org_paths=[o.path for o in roots + children], today=today)
    qs = FloatingRecord.objects.visible_to(request.user).select_related("organization")
    if request.GET.get("ended") != "1":
        qs = qs.active()
    if org is not None:
        qs = qs.filter(organization__path__startswith=org.path)
    if direction:
        qs = qs.filter(direction=direction)
    page = Paginator(qs.order_by("organization__path", "-started_on", "id"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "members/floating_list.html", {
        "org": org, "direction": direction, "directions": FloatDirection.choices, "page": page,
        "rows": [(o, counts[o.path]) for o in roots + children], "n_roots": len(roots),
        "late": floating.not_contacted(user=request.user, today=today), "cutoff": floating.contact_cutoff(today),
        "can_register": importing.manage_prefixes(request.user) != (), "ended": request.GET.get("ended") == "1",
    })  # fmt: skip


@login_required
def floating_out(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    if not allows(request.user, Action.MANAGE, m.organization):
        raise PermissionDenied
    form = FloatingOutForm(
        request.POST or None, initial={"started_on": timezone.localdate(), "contact": m.phone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            r = floating.floating_out_start(actor=request.user, member=m, **form.cleaned_data)
            messages.success(request, _("已登记流出，党员状态为“流动”。"))
            return redirect("members:floating_detail", r.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return render(
        request, "members/transfer_form.html", {"form": form, "m": m, "title": _("登记流动党员（流出）")}
    )


@login_required
def floating_in(request):
    if importing.manage_prefixes(request.user) == ():
        raise PermissionDenied
    form = FloatingInForm(request.POST or None, organizations=manageable_orgs(request.user),
                          initial={"started_on": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            r = floating.floating_in_start(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记流入党员。"))
            return redirect("members:floating_detail", r.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return render(request, "members/transfer_form.html", {"form": form, "title": _("登记流动党员（流入）")})


def _floating_page(request, r, contact_form=None, end_form=None, status=200):
    may = allows(request.user, Action.MANAGE, r.organization)
    today = timezone.localdate()
    return render(request, "members/floating_detail.html", {
        "r": r, "contacts": list(r.contacts.all()[:50]), "may": may, "today": today,
        "see_member": _sees_member(request.user, r.member_id),
        "late": (r.last_contact_on or r.started_on) < floating.contact_cutoff(today) and not r.ended_on,
        "contact_form": contact_form or ContactForm(initial={"contacted_on": today}),
        "end_form": end_form or EndFloatingForm(initial={"ended_on": today}),
    }, status=status)  # fmt: skip


@login_required
def floating_detail(request, record_id: int):
    return _floating_page(request, floating.floating_get(user=request.user, record_id=record_id))


def _floating_action(request, record_id, form_class, key, fn, done):
    r = floating.floating_get(user=request.user, record_id=record_id)
    if not allows(request.user, Action.MANAGE, r.organization):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            fn(actor=request.user, record=r, **form.cleaned_data)
            messages.success(request, done)
            return redirect("members:floating_detail", r.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return _floating_page(request, r, **{key: form})


@login_required
@require_POST
def floating_contact(request, record_id: int):
    return _floating_action(request, record_id, ContactForm, "contact_form", floating.floating_contact_add,
                            _("已记录联系情况。"))  # fmt: skip


@login_required
@require_POST
def floating_end(request, record_id: int):
    return _floating_action(request, record_id, EndFloatingForm, "end_form", floating.floating_end,
                            _("已结束流动登记。"))  # fmt: skip
