"""党费 pages: the unpaid list of a month, the branch grid, a member's dues, the bank-statement
import, and the year's totals."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import params
from branches.exporting import attachment
from branches.models import Organization
from branches.policy import Action, allows
from branches.scoping import org_for_user_or_404
from branches.selectors import my_organizations

from . import dues_importing, dues_selectors, dues_services, importing, selectors
from .dues import FIXED_KINDS, DuesPayment, DuesProfile, PayerKind
from .forms import ImportForm
from .models import Member
from .spreadsheets import workbook_bytes

PAGE_SIZE = 50


def _month(request) -> date:
    return params.month(request, lambda: timezone.localdate().replace(day=1))


def _org(request) -> Organization:
    if request.GET.get("org"):
        return org_for_user_or_404(request.user, request.GET["org"])
    mine = my_organizations(user=request.user)
    if not mine:
        raise PermissionDenied
    return mine[0]


class StatementForm(ImportForm):
    file = forms.FileField(label=gettext_lazy("银行流水文件（.xlsx 或 .csv）"))


class ProfileForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("交纳类别"), choices=PayerKind.choices)
    base = forms.DecimalField(label=gettext_lazy("月交纳基数（元）"), required=False, min_value=0, decimal_places=2,
                              help_text=gettext_lazy("在职：每月工资收入（税后）；离退休：离退休费或养老金总额。"))  # fmt: skip
    fixed_amount = forms.DecimalField(label=gettext_lazy("每月固定金额（元）"), required=False, decimal_places=2,
                                      help_text=gettext_lazy("农民 0.2–1 元；学生、下岗失业、依靠救济的党员 0.2 元。"))  # fmt: skip


class PaymentForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("党费月份"), widget=forms.TextInput(attrs={"type": "month"}))
    amount = forms.DecimalField(label=gettext_lazy("金额（元）"), min_value=0, decimal_places=2)
    paid_on = forms.DateField(label=gettext_lazy("交纳日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=gettext_lazy("交易流水号"), required=False, max_length=60)

    def clean_month(self):
        try:
            y, m = self.cleaned_data["month"].split("-")[:2]
            return date(int(y), int(m), 1)
        except ValueError:
            raise ValidationError(_("请选择月份。")) from None


@login_required
def dues_unpaid(request):
    """未交名单: who has not paid a month's dues, in an organization's subtree, with the counts."""
    org = _org(request)
    month = _month(request)
    counts = dues_selectors.month_counts(org_path=org.path, month=month)
    paginator = Paginator(dues_selectors.unpaid_members(org_path=org.path, month=month), PAGE_SIZE)
    paginator.count = counts.unpaid  # known from the counts: no second COUNT over the anti-join
    page = paginator.get_page(request.GET.get("page"))
    children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path")[:60])
    return render(request, "members/dues/unpaid.html", {
        "org": org, "month": month, "counts": counts, "page": page, "children": children,
        "can_manage": allows(request.user, Action.MANAGE, org), "may_import": importing.manage_prefixes(request.user) != (),
    })  # fmt: skip


@login_required
def dues_branch(request, org_id: int):
    """The branch grid: every member of the branch for a month, amounts prefilled from base × rate,
    one submit. Members already recorded show what was paid."""
    org = org_for_user_or_404(request.user, org_id)
    month = _month(request)
    editable = allows(request.user, Action.MANAGE, org)
    members = list(
        Member.objects.current().filter(organization=org, joined_on__lte=dues_services.month_end(month))
        .select_related("organization").order_by("name", "id")
    )  # fmt: skip
    paid = {p.member_id: p for p in DuesPayment.objects.filter(month=month, member__in=members)}
    monthly = dict(DuesProfile.objects.filter(member__in=members).values_list("member_id", "monthly"))
    typed = request.POST if request.method == "POST" else None
    errors: list[str] = []
    if typed is not None:
        if not editable:
            raise PermissionDenied
        chosen = set(typed.getlist("pay"))
        rows = []
        for m in members:
            if str(m.pk) in chosen and m.pk not in paid:
                raw = typed.get(f"amount-{m.pk}", "").strip()
                rows.append((m, raw or "0"))
        try:
            paid_on = date.fromisoformat(typed.get("paid_on", ""))
        except ValueError:
            paid_on = None
            errors.append(_("请填写交纳日期。"))
        if not rows:
            errors.append(_("请勾选已交党费的党员。"))
        if not errors:
            try:
                n = dues_services.dues_branch_record(
                    actor=request.user, org=org, month=month, paid_on=paid_on, rows=rows
                )
                messages.success(
                    request, _("已登记 %(n)d 名党员 %(m)s 的党费。") % {"n": n, "m": f"{month:%Y年%m月}"}
                )
                return redirect(f"{request.path}?month={month:%Y-%m}")
            except ValidationError as e:
                errors.extend(e.messages)
    rows = [
        {"m": m, "paid": paid.get(m.pk), "due": monthly.get(m.pk),
         "amount": typed.get(f"amount-{m.pk}") if typed is not None else (monthly.get(m.pk) or ""),
         "checked": (str(m.pk) in typed.getlist("pay")) if typed is not None else False}
        for m in members
    ]  # fmt: skip
    return render(request, "members/dues/branch.html", {
        "org": org, "month": month, "rows": rows, "editable": editable, "errors": errors,
        "paid_on": (typed.get("paid_on") if typed is not None else None) or timezone.localdate().isoformat(),
        "unpaid": sum(1 for r in rows if not r["paid"]),
    }, status=400 if errors else 200)  # fmt: skip


@login_required
def dues_member(request, member_id: int):
    """A member's dues: the basis (payer kind, base → monthly amount) and the payment history."""
    m = selectors.member_get(user=request.user, member_id=member_id)
    editable = allows(request.user, Action.MANAGE, m.organization)
    profile = DuesProfile.objects.filter(member=m).first()
    form = ProfileForm(request.POST or None, initial={
        "kind": profile.kind if profile else PayerKind.SALARIED,
        "base": profile.base if profile else None, "fixed_amount": profile.fixed_amount if profile else None,
    })  # fmt: skip
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                p = dues_services.dues_profile_set(actor=request.user, member=m, **form.cleaned_data)
                messages.success(request, _("已核定：每月应交党费 %(a)s 元。") % {"a": p.monthly})
                return redirect("members:dues_member", m.pk)
            except ValidationError as e:
                for field, errs in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
    payments = list(DuesPayment.objects.filter(member=m).order_by("-month")[:36])
    today = timezone.localdate()
    return render(request, "members/dues/member.html", {
        "m": m, "profile": profile, "form": form, "editable": editable, "payments": payments,
        "pay_form": PaymentForm(initial={"month": f"{today:%Y-%m}", "paid_on": today, "amount": profile.monthly if profile else None}),
        "fixed_kinds": [str(k) for k in FIXED_KINDS], "rule": dues_services.dues_rule_current(),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def dues_pay(request, member_id: int):
    m = selectors.member_get(user=request.user, member_id=member_id)
    if not allows(request.user, Action.MANAGE, m.organization):
        raise PermissionDenied
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            p = dues_services.dues_payment_record(actor=request.user, member=m, **form.cleaned_data)
            messages.success(
                request, _("已登记 %(m)s 党费 %(a)s 元。") % {"m": f"{p.month:%Y年%m月}", "a": p.amount}
            )
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
    return redirect("members:dues_member", m.pk)


@login_required
def dues_totals(request, org_id: int):
    """A year's dues for an organization and each organization under it, and its twelve months."""
    org = org_for_user_or_404(request.user, org_id)
    year = params.year(request, lambda: timezone.localdate().year)
    children = list(Organization.objects.get_children(org).order_by("path").only("id", "name", "path"))
    totals = dues_selectors.dues_totals(org_paths=[org.path] + [c.path for c in children], year=year)
    return render(request, "members/dues/totals.html", {
        "org": org, "year": year, "total": totals[org.path], "rows": [(c, totals[c.path]) for c in children],
        "months": dues_selectors.monthly_amounts(org_path=org.path, year=year),
    })  # fmt: skip


def _may_import(user) -> bool:
    return importing.manage_prefixes(user) != ()


@login_required
def dues_import(request):
    if not _may_import(request.user):
        raise PermissionDenied
    form = StatementForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "headers": dues_importing.HEADERS, "required": dues_importing.REQUIRED}
    if request.method == "POST" and form.is_valid():
        try:
            plan, token = dues_services.dues_import_preview(
                actor=request.user, upload=form.cleaned_data["file"]
            )
            ctx.update(plan=plan, token=token)
        except importing.ImportFileError as e:
            form.add_error("file", str(e))
    return render(request, "members/dues/import.html", ctx)


@login_required
@require_POST
def dues_import_confirm(request):
    if not _may_import(request.user):
        raise PermissionDenied
    try:
        plan = dues_services.dues_import_confirm(actor=request.user, token=request.POST.get("token", ""))
    except (ValidationError, importing.ImportFileError) as e:
        messages.error(request, "；".join(getattr(e, "messages", [str(e)])))
        return redirect("members:dues_import")
    if not plan.ok:
        return render(request, "members/dues/import.html", {
            "form": StatementForm(), "plan": plan, "headers": dues_importing.HEADERS, "required": dues_importing.REQUIRED})  # fmt: skip
    messages.success(
        request,
        _("导入完成：登记 %(new)d 笔，共 %(amount)s 元；已登记过的 %(unchanged)d 笔未变化。") % plan.counts,
    )
    return redirect("members:dues_unpaid")


@login_required
def dues_import_template(request):
    if not _may_import(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    example = ["张三", "410102198001010018", "15.00", today.isoformat(), f"{today:%Y-%m}", "20250305000123"]
    data, _n = workbook_bytes(
        dues_importing.HEADERS, [example], sheet="党费流水", text_columns=(1, 5), widths={0: 12, 3: 14, 4: 12}
    )
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return attachment(resp, "党费银行流水导入模板.xlsx")
