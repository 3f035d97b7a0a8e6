"""党费银行流水导入 on PostgreSQL: the statement's rows go in with ``COPY`` to a temporary staging table,
and everything that needs the roster is set-based SQL over it.

Python reads and parses each cell (money, dates, months, the ID's blind index — the errors that name
a cell); then one ``COPY`` stages the rows, one ``CREATE TEMP TABLE … AS`` joins them to the
current members (blind-index index), their organization, dues basis and the payments already
recorded for the same month, with the in-file duplicates from a window function. Only the rows
with a problem come back to Python, to be named in Chinese like on SQLite; the counts, the first
rows shown and the warnings are small queries; the write is one ``INSERT … SELECT`` from the
staging table (``dues_services.dues_import_apply``). Nothing is read for members the statement
does not name.

The staging tables are temporary (this connection only), named per plan, dropped by the apply or
by ``discard``; inside the confirm's transaction a failure rolls them back with everything else.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import connection

from .dues import DuesPayment, PaymentSource
from .dues_importing import (
    SHOWN,
    DuesPlan,
    RowError,
    _,
    blind_key,
    clean_name,
    id_hash,
    id_refused,
    not_on_roster,
    parse_money_dates,
)
from .models import CURRENT_STATUSES, Member

MAX_ERRORS = 10_000


def _tables(plan: DuesPlan) -> tuple[str, str]:
    return f"dues_stage_{plan.staged}", f"dues_checked_{plan.staged}"


def build_staged(plan: DuesPlan, rows, *, prefixes, today: date, header_row: int) -> None:
    """Fill ``plan`` (errors, counts, rows shown, warnings) for the statement ``rows``; the new
    payments stay in the staging table for ``insert_staged``."""
    errors = plan.errors
    key = blind_key()
    raw_ids: dict[int, object] = {}
    plan.staged = uuid.uuid4().hex[:16]
    stage, checked = _tables(plan)
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE {stage} (n integer NOT NULL, h char(64) NOT NULL, name text NOT NULL, "
            "month date, amount numeric(10, 2), paid_on date, ref varchar(60) NOT NULL)"
        )
        with cur.cursor.copy(f"COPY {stage} (n, h, name, month, amount, paid_on, ref) FROM STDIN") as copy:
            write = copy.write_row
            for n, raw_name, raw_id, raw_amount, raw_date, raw_month, raw_ref in rows:
                plan.rows += 1
                h = id_hash(n, raw_id, key, errors)
                amount, paid_on, month = parse_money_dates(n, raw_amount, raw_date, raw_month, errors, today)
                if h is not None:
                    raw_ids[n] = raw_id
                    write(
                        (n, h, clean_name(raw_name), month, amount, paid_on, str(raw_ref or "").strip()[:60])
                    )
                if len(errors) >= MAX_ERRORS:
                    errors.append(RowError(n, "—", _("错误过多，已停止检查其余的行。")))
                    break
        if plan.rows == 0 and not errors:
            errors.append(RowError(header_row + 1, "—", _("文件中没有党费数据。")))
        scope = "TRUE" if prefixes is None else "o.path LIKE ANY(%s)"
        params = ([] if prefixes is None else [[f"{p}%" for p in prefixes]]) + [list(CURRENT_STATUSES)]
        m, o, p, d = (Member._meta.db_table, "branches_organization", "members_duesprofile",
                      DuesPayment._meta.db_table)  # fmt: skip
        # One row per staged row: its member (current and in scope, else NULL), the first row of
        # the file with the same member and month, and the payment already recorded for it.
        cur.execute(
            f"""CREATE TEMP TABLE {checked} AS
            SELECT s.n, s.name, s.month, s.amount, s.paid_on, s.ref, s.h,
                   CASE WHEN {scope} THEN x.id END AS mid, x.organization_id AS oid, x.name AS mname,
                   x.joined_on, pr.monthly, pay.amount AS old_amount, pay.paid_on AS old_paid,
                   CASE WHEN x.id IS NOT NULL AND s.month IS NOT NULL
                        THEN min(s.n) OVER (PARTITION BY x.id, s.month) END AS first_n
            FROM {stage} s
            LEFT JOIN {m} x ON x.resident_id_hash = s.h AND x.status = ANY(%s)
            LEFT JOIN {o} o ON o.id = x.organization_id
            LEFT JOIN {p} pr ON pr.member_id = x.id
            LEFT JOIN {d} pay ON pay.member_id = x.id AND pay.month = s.month""",
            params,
        )
        cur.execute(f"DROP TABLE {stage}")
        _name_problems(cur, plan, checked, raw_ids)
        if not errors:
            _clashes(cur, plan, checked)
        if errors:
            cur.execute(f"DROP TABLE {checked}")  # a plan with errors is never applied
            plan.staged = ""
            return
        _summary(cur, plan, checked)


def _name_problems(cur, plan: DuesPlan, checked: str, raw_ids: dict) -> None:
    """The rows the roster refuses: unknown or out of scope, name differs, month before joining,
    the same member and month twice in the file."""
    cur.execute(
        f"""SELECT n, mid IS NULL, name, mname, month, month < date_trunc('month', joined_on)::date,
                   first_n FROM {checked}
            WHERE mid IS NULL OR (name <> '' AND name <> mname)
               OR month < date_trunc('month', joined_on)::date OR first_n <> n
            ORDER BY n LIMIT {MAX_ERRORS + 1}"""
    )
    found = []
    for n, unknown, name, mname, month, early, first_n in cur.fetchall():
        if unknown:
            if not id_refused(n, raw_ids.get(n), found):
                found.append(RowError(n, "公民身份号码", not_on_roster()))
            continue
        if name and name != mname:
            found.append(RowError(n, "姓名", _("“%(a)s”与花名册中的姓名“%(b)s”不一致。", a=name, b=mname)))
        if early:
            found.append(RowError(n, "党费月份", _("%(m)s 早于该党员入党的月份。", m=f"{month:%Y-%m}")))
        if first_n is not None and first_n != n:
            found.append(
                RowError(n, "公民身份号码", _("与第%(row)s行是同一党员同一月份的党费。", row=first_n))
            )
    if found:
        plan.errors.extend(found)
        plan.errors.sort(key=lambda e: e.row)  # stable: a row's cells keep their order
        del plan.errors[MAX_ERRORS + 1 :]


def _clashes(cur, plan: DuesPlan, checked: str) -> None:
    """A month already recorded with another amount or date is refused (the same one is unchanged)."""
    cur.execute(
        f"""SELECT n, mname, month, old_amount FROM {checked}
            WHERE old_amount IS NOT NULL AND (old_amount <> amount OR old_paid <> paid_on)
            ORDER BY n LIMIT {MAX_ERRORS}"""
    )
    for n, mname, month, old in cur.fetchall():
        plan.errors.append(RowError(n, "党费月份", _("%(name)s %(m)s 的党费已登记（%(a)s 元），不能重复登记。",
                                                    name=mname, m=f"{month:%Y-%m}", a=old)))  # fmt: skip


def _summary(cur, plan: DuesPlan, checked: str) -> None:
    cur.execute(
        f"""SELECT count(*) FILTER (WHERE old_amount IS NOT NULL), count(*) FILTER (WHERE old_amount IS NULL),
                   coalesce(sum(amount) FILTER (WHERE old_amount IS NULL), 0),
                   array_agg(DISTINCT to_char(month, 'YYYY-MM')) FILTER (WHERE old_amount IS NULL)
            FROM {checked}"""
    )
    plan.unchanged, plan.new_count, amount, months = cur.fetchone()
    plan.amount = Decimal(amount).quantize(Decimal("0.01"))
    plan.months = sorted(months or [])
    cur.execute(
        f"""SELECT n, mname, month, amount, monthly FROM {checked} WHERE old_amount IS NULL
            ORDER BY n LIMIT {SHOWN}"""
    )
    plan.shown = [(n, name, month, amount) for n, name, month, amount, _due in cur.fetchall()]
    cur.execute(
        f"""SELECT n, monthly FROM {checked} WHERE old_amount IS NULL AND amount < monthly
            ORDER BY n LIMIT {SHOWN}"""
    )
    plan.warnings = [
        RowError(n, "金额", _("少于应交的 %(d)s 元（交纳确有困难须经支部研究、上级党委批准）。", d=due))
        for n, due in cur.fetchall()
    ]


def insert_staged(plan: DuesPlan, *, batch_id: int, actor_id: int | None, now) -> int:
    """The plan's new payments, one ``INSERT … SELECT`` from the staging table; the table is dropped."""
    _stage, checked = _tables(plan)
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {DuesPayment._meta.db_table} (member_id, organization_id, month, amount, due, paid_on,
                    on_time, source, reference, batch_id, created_by_id, created_at)
                SELECT mid, oid, month, amount, monthly, paid_on, paid_on < month + interval '1 month',
                       %s, ref, %s, %s, %s
                FROM {checked} WHERE old_amount IS NULL ORDER BY n""",
            [PaymentSource.BANK, batch_id, actor_id, now],
        )
        n = cur.rowcount
        cur.execute(f"DROP TABLE {checked}")
    plan.staged = ""
    return n


def discard(plan: DuesPlan) -> None:
    """A plan that will not be applied (a preview): its staging table goes now, not at disconnect."""
    if getattr(plan, "staged", ""):
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {_tables(plan)[1]}")
        plan.staged = ""
