"""Pages of 组织关系转接 (transfers of a member's party relation): list, start, register, detail, actions, letter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import params
from branches.audit import audit_for
from branches.policy import Action, allows, require

from . import importing, selectors, transfers
from .forms_life import ReceiptForm, RefuseForm, TransferInForm, TransferStartForm
from .views_life import _form_errors, _sees_member, manageable_orgs

# --- 组织关系转接 ----------------------------------------------------------------------------------


@login_required
def transfer_list(request):
    """Transfers I may see: waiting for me, in progress and done, on both sides."""
    from .models_life import Transfer, TransferStatus

    status = params.choice(request, "status", TransferStatus, label=_("状态"))
    qs = Transfer.objects.visible_to(request.user).select_related("from_org", "to_org")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-started_on", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "members/transfer_list.html", {
        "page": page, "status": status, "statuses": TransferStatus.choices,
        "awaiting": transfers.awaiting_me(user=request.user),
        "overdue": transfers.letters_overdue(user=request.user),
        "can_register": bool(manageable_orgs(request.user)[:1]) if importing.manage_prefixes(request.user) != () else False,
    })  # fmt: skip


@login_required
def transfer_start(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    if not allows(request.user, Action.MANAGE, m.organization):
        raise PermissionDenied
    form = TransferStartForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            to_org = transfers.resolve_org(c["to_org_code"]) if c["kind"] == "within" else None
            t = transfers.transfer_start(actor=request.user, member=m, kind=c["kind"], reason=c["reason"],
                                         started_on=c["started_on"], to_org=to_org, to_org_name=c["to_org_name"],
                                         dues_paid_until=c["dues_paid_until"], valid_days=c["valid_days"])  # fmt: skip
            messages.success(request, _("已发起组织关系转接，等待接收方办理。") if t.to_org_id else
                             _("已开具介绍信，请打印后交党员本人，回执退回后在此登记。"))  # fmt: skip
            return redirect("members:transfer_detail", t.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return render(request, "members/transfer_form.html", {"form": form, "m": m, "title": _("组织关系转接")})


@login_required
def transfer_in(request):
    """Record an introduction letter from outside the city."""
    if importing.manage_prefixes(request.user) == ():
        raise PermissionDenied
    form = TransferInForm(request.POST or None, organizations=manageable_orgs(request.user),
                          initial={"started_on": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            t = transfers.transfer_in_register(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记市外转入的介绍信，确认接收后该党员即编入本组织。"))
            return redirect("members:transfer_detail", t.pk)
        except ValidationError as e:
            _form_errors(form, e)
    return render(request, "members/transfer_form.html", {"form": form, "title": _("登记市外转入")})


def _transfer_page(request, t, refuse_form=None, receipt_form=None, status=200):
    from .models_life import TransferKind, TransferStatus

    pending = t.status == TransferStatus.PENDING
    may_receive = pending and t.to_org_id and allows(request.user, Action.MANAGE, t.to_org)
    may_send = t.from_org_id and allows(request.user, Action.MANAGE, t.from_org)
    # Each event is written once per side; the page lists one side's copy.
    side = t.from_org_id or t.to_org_id
    history = selectors._history_rows(audit_for(t).filter(organization_id=side).order_by("-at")[:30])
    return render(request, "members/transfer_detail.html", {
        "t": t, "age": transfers.age_on(t, t.started_on), "may_receive": may_receive,
        "may_cancel": pending and t.kind == TransferKind.WITHIN and may_send,
        "may_receipt": t.status == TransferStatus.LETTER_ISSUED and may_send,
        "may_print": (t.kind == TransferKind.OUT and may_send)
                     or (t.kind == TransferKind.IN and t.status == TransferStatus.ACCEPTED
                         and allows(request.user, Action.MANAGE, t.to_org)),
        "refuse_form": refuse_form or RefuseForm(), "history": history, "today": timezone.localdate(),
        "receipt_form": receipt_form or ReceiptForm(initial={"returned_on": timezone.localdate()}),
        # After acceptance the member's page belongs to the receiving side; before it, to the sender.
        "see_member": _sees_member(request.user, t.member_id),
    }, status=status)  # fmt: skip


@login_required
def transfer_detail(request, transfer_id: int):
    return _transfer_page(request, transfers.transfer_get(user=request.user, transfer_id=transfer_id))


def _transfer_action(request, transfer_id, fn, done, form_class=None, form_key=None):
    t = transfers.transfer_get(user=request.user, transfer_id=transfer_id)
    kwargs = {}
    form = None
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _transfer_page(request, t, **{form_key: form})
        kwargs = form.cleaned_data
    try:
        fn(actor=request.user, transfer=t, **kwargs)
    except ValidationError as e:
        if form is None:
            messages.error(request, "；".join(e.messages))
            return redirect("members:transfer_detail", t.pk)
        _form_errors(form, e)
        return _transfer_page(request, t, **{form_key: form})
    messages.success(request, done)
    return redirect("members:transfer_detail", t.pk)


@login_required
@require_POST
def transfer_accept(request, transfer_id: int):
    return _transfer_action(request, transfer_id, transfers.transfer_accept, _("已接收，党员已编入本组织。"))


@login_required
@require_POST
def transfer_refuse(request, transfer_id: int):
    return _transfer_action(request, transfer_id, transfers.transfer_refuse, _("已拒收，并告知转出方原因。"),
                            RefuseForm, "refuse_form")  # fmt: skip


@login_required
@require_POST
def transfer_cancel(request, transfer_id: int):
    return _transfer_action(request, transfer_id, transfers.transfer_cancel, _("已撤回该转接。"))


@login_required
@require_POST
def transfer_receipt(request, transfer_id: int):
    return _transfer_action(request, transfer_id, transfers.transfer_receipt, _("已登记回执退回。"), ReceiptForm,
                            "receipt_form")  # fmt: skip


@login_required
def transfer_letter(request, transfer_id: int):
    """介绍信 (out of the city, with its 回执) or the 回执 for a letter from outside, as PDF."""
    from django.http import HttpResponse

    from branches.exporting import attachment
    from reports.pdf import render_pdf

    from .models_life import TransferKind, TransferStatus
    from .services import resident_id_viewed

    t = transfers.transfer_get(user=request.user, transfer_id=transfer_id)
    if t.kind == TransferKind.OUT:
        require(request.user, Action.MANAGE, t.from_org)
        full = allows(request.user, Action.VIEW_FULL_ID, t.from_org)
    elif t.kind == TransferKind.IN and t.status == TransferStatus.ACCEPTED:
        require(request.user, Action.MANAGE, t.to_org)
        full = allows(request.user, Action.VIEW_FULL_ID, t.to_org)
    else:
        raise PermissionDenied
    if full and t.member_id:
        resident_id_viewed(actor=request.user, member=t.member)
    data = render_pdf("members/pdf/transfer_letter.html", {
        "t": t, "age": transfers.age_on(t, t.started_on), "rid": t.resident_id if full else t.resident_id_masked,
        "issuer": t.from_org.name if t.from_org_id else t.to_org.name,
        "days": (t.valid_until - t.started_on).days if t.valid_until else None,
    })  # fmt: skip
    name = (
        f"党员组织关系介绍信-{t.letter_no}.pdf"
        if t.kind == TransferKind.OUT
        else f"介绍信回执-{t.letter_no}.pdf"
    )
    return attachment(HttpResponse(data, content_type="application/pdf"), name)
