"""Writes on 党费 (dues): the rule in force, a member's base, payments one by one, for a whole branch,
or from a bank statement. Each is audited (who, when, from where, what)."""

from __future__ import annotations

import calendar
import os
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_bulk, audit_record
from branches.middleware import current_ip
from branches.models import Organization
from branches.policy import Action, person, require
from config.dbstats import analyze_after_bulk_load

from . import bulk, dues_importing
from .dues import (
    FIXED_KINDS,
    DuesBand,
    DuesImport,
    DuesPayment,
    DuesProfile,
    DuesRule,
    PayerKind,
    PaymentSource,
)
from .models import Member

# 中组部《关于中国共产党党费收缴、使用和管理的规定》(2008): (kind, upper incl., percent, fixed range, article)
RULE_2008 = {
    "name": "中共中央组织部关于中国共产党党费收缴、使用和管理的规定",
    "document": "中组发〔2008〕3号",
    "effective_from": date(2008, 4, 1),
    "bands": [
        (PayerKind.SALARIED, Decimal(3000), Decimal("0.5"), None, "第二条"),
        (PayerKind.SALARIED, Decimal(5000), Decimal(1), None, "第二条"),
        (PayerKind.SALARIED, Decimal(10000), Decimal("1.5"), None, "第二条"),
        (PayerKind.SALARIED, None, Decimal(2), None, "第二条"),
        (PayerKind.RETIRED, Decimal(5000), Decimal("0.5"), None, "第五条"),
        (PayerKind.RETIRED, None, Decimal(1), None, "第五条"),
        (PayerKind.FARMER, None, Decimal(0), (Decimal("0.2"), Decimal(1)), "第六条"),
        (PayerKind.STUDENT, None, Decimal(0), (Decimal("0.2"), Decimal("0.2")), "第六条"),
        (PayerKind.UNEMPLOYED, None, Decimal(0), (Decimal("0.2"), Decimal("0.2")), "第六条"),
        (PayerKind.RELIEF, None, Decimal(0), (Decimal("0.2"), Decimal("0.2")), "第六条"),
    ],
}


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(m: date) -> date:
    return m.replace(day=calendar.monthrange(m.year, m.month)[1])


def _require_manage(actor, org: Organization) -> None:
    """Jobs, commands and the demo act as ``branches.policy.SYSTEM``; no actor is refused."""
    require(actor, Action.MANAGE, org)


@transaction.atomic
def dues_rule_current(*, on: date | None = None) -> DuesRule:
    """The rule in force on ``on`` (today), creating the 2008 national rule if there is none."""
    on = on or timezone.localdate()
    rule = DuesRule.objects.filter(effective_from__lte=on).prefetch_related("bands").first()
    if rule:
        return rule
    rule = DuesRule.objects.filter(effective_from=RULE_2008["effective_from"]).first()
    if rule is None:
        rule = DuesRule.objects.create(
            name=RULE_2008["name"], document=RULE_2008["document"], effective_from=RULE_2008["effective_from"]
        )
        DuesBand.objects.bulk_create(
            [
                DuesBand(
                    rule=rule,
                    kind=k,
                    upper=u,
                    percent=p,
                    fixed_min=f[0] if f else None,
                    fixed_max=f[1] if f else None,
                    article=a,
                )
                for k, u, p, f, a in RULE_2008["bands"]
            ]
        )
    return DuesRule.objects.prefetch_related("bands").get(pk=rule.pk)


def dues_amount(*, kind: str, base=None, fixed_amount=None, rule: DuesRule | None = None) -> Decimal:
    """Monthly dues for a payer kind and base under the rule in force (ValidationError if invalid)."""
    rule = rule or dues_rule_current()
    if kind not in PayerKind.values:
        raise ValidationError({"kind": _("请选择交纳类别。")})
    if kind in FIXED_KINDS:
        band = next(b for b in rule.bands.all() if b.kind == kind)
        try:
            return rule.amount_for(kind, None, fixed_amount)
        except (ValueError, InvalidOperation):
            raise ValidationError(
                {
                    "fixed_amount": _("按规定每月交纳 %(lo)s 至 %(hi)s 元。")
                    % {"lo": band.fixed_min, "hi": band.fixed_max}
                }
            ) from None
    if base is None or Decimal(base) < 0:
        raise ValidationError({"base": _("请填写每月工资收入（税后）或离退休费，不能为负数。")})
    return rule.amount_for(kind, Decimal(base))


@transaction.atomic
def dues_profile_set(*, actor, member: Member, kind: str, base=None, fixed_amount=None) -> DuesProfile:
    """Set a member's dues basis (第十条: from the month the new salary is paid, on the new base)."""
    _require_manage(actor, member.organization)
    rule = dues_rule_current()
    if kind in FIXED_KINDS:
        base = None
    else:
        fixed_amount = None
    monthly = dues_amount(kind=kind, base=base, fixed_amount=fixed_amount, rule=rule)
    profile = DuesProfile.objects.filter(member=member).first()
    before = (
        (profile.kind, str(profile.base), str(profile.fixed_amount), str(profile.monthly))
        if profile
        else None
    )
    if profile is None:
        profile = DuesProfile(member=member)
    profile.kind, profile.base, profile.fixed_amount, profile.monthly, profile.rule = (
        kind, base, fixed_amount, monthly, rule,
    )  # fmt: skip
    after = (kind, str(base), str(fixed_amount), str(monthly))
    if before == after:
        return profile
    profile.full_clean(exclude=["member"])
    profile.save()
    audit_record(actor=actor, action="member.dues_profile", obj=member, organization=member.organization,
                 changes={"党费基数": [before and f"{before[0]} {before[1]} → {before[3]}", f"{PayerKind(kind).label} "
                          f"{base if base is not None else fixed_amount} → 每月 {monthly} 元"]})  # fmt: skip
    return profile


def _check_payment(member: Member, month: date, amount, paid_on: date, today: date) -> Decimal:
    errors = {}
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        errors["amount"] = _("金额应为数字。")
        amount = None
    if amount is not None and amount <= 0:
        errors["amount"] = _("金额必须大于 0。")
    if month > month_start(today):
        errors["month"] = _("不能登记以后月份的党费。")
    elif month < month_start(member.joined_on):
        errors["month"] = _("%(m)s 早于该党员入党的月份（%(j)s）。") % {
            "m": f"{month:%Y-%m}", "j": f"{member.joined_on:%Y-%m}"}  # fmt: skip
    if paid_on > today:
        errors["paid_on"] = _("交纳日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    return amount


def _payment(member, month, amount, paid_on, *, source, actor, due=None, reference="", batch=None):
    return DuesPayment(
        member=member, organization_id=member.organization_id, month=month, amount=amount, due=due,
        paid_on=paid_on, on_time=paid_on <= month_end(month), source=source, reference=reference, batch=batch,
        created_by=person(actor),
    )  # fmt: skip


def _due_of(member: Member):
    profile = DuesProfile.objects.filter(member=member).values_list("monthly", flat=True).first()
    return profile


@transaction.atomic
def dues_payment_record(
    *, actor, member: Member, month: date, amount, paid_on: date, reference: str = ""
) -> DuesPayment:
    """Record one member's dues for one month (once: a second record for the month is refused)."""
    _require_manage(actor, member.organization)
    if not member.is_current:
        raise ValidationError(_("该党员不是在册党员（正常或流动），不能登记党费。"))
    month = month_start(month)
    amount = _check_payment(member, month, amount, paid_on, timezone.localdate())
    if DuesPayment.objects.filter(member=member, month=month).exists():
        raise ValidationError(
            {"month": _("%(name)s %(m)s 的党费已登记。") % {"name": member.name, "m": f"{month:%Y年%m月}"}}
        )
    p = _payment(member, month, amount, paid_on, source=PaymentSource.SINGLE, actor=actor, due=_due_of(member),
                 reference=reference.strip())  # fmt: skip
    p.full_clean()
    p.save()
    audit_record(actor=actor, action="member.dues_payment", obj=member, organization=member.organization,
                 changes={"党费": [None, f"{month:%Y-%m} {amount} 元（{paid_on:%Y-%m-%d} 交纳）"]})  # fmt: skip
    return p


@transaction.atomic
def dues_branch_record(*, actor, org: Organization, month: date, paid_on: date, rows: list[tuple]) -> int:
    """Record a month's dues for many members of a branch at once (the grid): ``rows`` are
    ``(member, amount)``. Members already recorded for the month are left as they are."""
    _require_manage(actor, org)
    month = month_start(month)
    today = timezone.localdate()
    errors = []
    checked = []
    for m, amount in rows:
        if not m.organization.path.startswith(org.path) or not m.is_current:
            raise PermissionDenied
        try:
            checked.append((m, _check_payment(m, month, amount, paid_on, today)))
        except ValidationError as e:
            errors.append(f"{m.name}：{'；'.join(e.messages)}")
    if errors:
        raise ValidationError(errors)
    done = set(DuesPayment.objects.filter(month=month, member__in=[m for m, _a in checked])
               .values_list("member_id", flat=True))  # fmt: skip
    todo = [(m, a) for m, a in checked if m.pk not in done]
    if not todo:
        return 0
    dues = dict(
        DuesProfile.objects.filter(member__in=[m for m, _a in todo]).values_list("member_id", "monthly")
    )
    objs = [_payment(m, month, a, paid_on, source=PaymentSource.BRANCH, actor=actor, due=dues.get(m.pk))
            for m, a in todo]  # fmt: skip
    DuesPayment.objects.bulk_create(objs, batch_size=500)
    amounts = {m.pk: a for m, a in todo}
    audit_bulk(actor=actor, action="member.dues_payment", objs=[m for m, _a in todo],
               organization_of=lambda m: m.organization,
               changes_of=lambda m: {"党费": [None, f"{month:%Y-%m} {amounts[m.pk]} 元（{paid_on:%Y-%m-%d} 交纳）"]})  # fmt: skip
    return len(todo)


# --- bank statement import (党费银行流水导入) -----------------------------------------------------

_SALT = "members.dues_import"


def dues_import_preview(*, actor, upload) -> tuple[dues_importing.DuesPlan, str | None]:
    """Validate an uploaded bank statement; keep the file for the confirm step under a signed token."""
    from . import importing
    from .services import _import_dir, _sweep_old_uploads

    if importing.manage_prefixes(actor) == ():
        raise PermissionDenied
    ext = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    if upload.size > importing.MAX_FILE_BYTES:
        raise importing.ImportFileError(
            _("文件过大，上限 %(n)d MB，请拆分后分批导入。") % {"n": importing.MAX_FILE_BYTES // 1048576}
        )
    import uuid

    key = uuid.uuid4().hex
    _sweep_old_uploads(_import_dir())
    path = _import_dir() / f"dues-{key}{ext}"
    keep = False  # the file stays only for a token; every other way out removes it
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with open(path, "rb") as fh:
            plan = dues_importing.build_plan(fh, upload.name, user=actor)
        from .dues_staging import discard

        discard(plan)  # the confirm validates the file again: nothing waits between the two requests
        if not plan.ok:
            return plan, None
        token = signing.dumps({"k": key, "e": ext, "u": actor.pk, "n": upload.name[:100]}, salt=_SALT)
        keep = True
        return plan, token
    finally:
        if not keep:
            path.unlink(missing_ok=True)


def dues_import_confirm(*, actor, token: str) -> dues_importing.DuesPlan:
    """Re-validate the stored statement and record it all in one transaction (nothing if any error)."""
    from .services import IMPORT_MAX_AGE, _import_dir

    try:
        data = signing.loads(token, salt=_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(_("导入凭据无效或已过期（1 小时），请重新上传文件。")) from None
    if (
        data.get("u") != actor.pk
        or data.get("e") not in (".xlsx", ".csv")
        or not str(data.get("k")).isalnum()
    ):
        raise PermissionDenied
    path = _import_dir() / f"dues-{data['k']}{data['e']}"
    if not path.exists():
        raise ValidationError(_("导入文件已被处理或已过期，请重新上传文件。"))
    try:
        with transaction.atomic():
            with open(path, "rb") as fh:
                plan = dues_importing.build_plan(fh, data.get("n", "statement" + data["e"]), user=actor)
            if plan.ok:
                dues_import_apply(plan, actor=actor, filename=data.get("n", ""))
                analyze_after_bulk_load(DuesPayment, rows=plan.new_count)  # staged rows too
    finally:
        if path.exists():
            os.unlink(path)
    return plan


_PAYMENT_COLUMNS = ("member_id", "organization_id", "month", "amount", "due", "paid_on", "on_time", "source",
                    "reference", "batch_id", "created_by_id", "created_at")  # fmt: skip


def _insert_payments(rows: list[tuple]) -> None:
    """Many payments at once, set-based: ``COPY`` on PostgreSQL, one prepared ``executemany`` with
    values adapted by hand on SQLite (Django's per-field ``get_db_prep_save`` was 80 % of the
    import's write time), ``bulk_create`` elsewhere. ``rows`` follow ``_PAYMENT_COLUMNS``."""
    if not rows:
        return
    table = DuesPayment._meta.db_table
    cols = [DuesPayment._meta.get_field(c.removesuffix("_id")).column if c.endswith("_id")
            else DuesPayment._meta.get_field(c).column for c in _PAYMENT_COLUMNS]  # fmt: skip
    names = ", ".join(f'"{c}"' for c in cols)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur, cur.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row(r)
        return
    if connection.vendor != "sqlite":
        bulk.insert_rows(DuesPayment, _PAYMENT_COLUMNS, rows, batch_size=5000)
        return
    now = connection.ops.adapt_datetimefield_value(rows[0][11])
    params = [
        (mid, oid, month.isoformat(), str(amount), None if due is None else str(due), paid_on.isoformat(), on_time,
         src, ref, batch, actor, now)
        for mid, oid, month, amount, due, paid_on, on_time, src, ref, batch, actor, _now in rows
    ]  # fmt: skip
    marks = ", ".join(["%s"] * len(cols))
    with connection.cursor() as cur:
        cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', params)


@transaction.atomic
def dues_import_apply(plan: dues_importing.DuesPlan, *, actor, filename: str = "") -> DuesImport | None:
    """Write a validated plan: one batch row, the payments in set-based inserts, one audit row."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    if not plan.new_count:
        return None
    batch = DuesImport.objects.create(
        filename=filename[:120], rows=plan.new_count, amount=plan.amount,
        imported_by=person(actor), ip_address=current_ip(),
    )  # fmt: skip
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    if plan.staged:  # PostgreSQL: one INSERT … SELECT from the staging table
        from .dues_staging import insert_staged

        insert_staged(plan, batch_id=batch.pk, actor_id=actor_id, now=now)
    else:
        _insert_payments([
            (mid, oid, month, amount, due, paid_on, paid_on <= month_end(month), PaymentSource.BANK, ref, batch.pk,
             actor_id, now)
            for mid, oid, month, amount, due, paid_on, ref in plan.new
        ])  # fmt: skip
    audit_record(actor=actor, action="member.dues_import", obj=batch, changes={
        "文件": filename[:120], "笔数": plan.new_count, "金额": str(plan.amount), "月份": plan.months[:24],
    })  # fmt: skip
    return batch
