"""党费银行流水导入: a bank statement (.xlsx/.csv) of dues payments, validated whole, then all or nothing.

The file is read by the roster import's guarded reader (size, zip-bomb and row limits, encodings),
the header row is found among the first rows (a bank's export starts with title lines) and its
columns by the names banks use. Members are matched by resident ID (its blind index) and the name
must agree with the roster. Three queries before writing, however many rows: organizations are
not needed (the member carries hers), current members with their dues basis, and the payments
already recorded for the months in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from hmac import digest as _hmac
from operator import itemgetter

from django.db import connection
from django.utils import timezone

from . import resident_id, rules
from .dues import DuesPayment
from .importing import ImportFileError, RowError, _, _in, _text, manage_prefixes, parse_date, read_rows
from .models import CURRENT_STATUSES, Member

# Canonical column → the names bank exports use for it.
COLUMNS = {
    "姓名": ("姓名", "户名", "付款人", "付款人名称", "对方户名", "交款人"),
    "公民身份号码": ("公民身份号码", "身份证号", "身份证号码", "证件号码"),
    "金额": ("金额", "交易金额", "贷方金额", "收入金额", "交款金额"),
    "交易日期": ("交易日期", "记账日期", "交易时间", "入账日期", "交款日期"),
    "党费月份": ("党费月份", "所属月份", "交纳月份"),
    "交易流水号": ("交易流水号", "流水号", "凭证号", "交易参考号"),
}
HEADERS = list(COLUMNS)
REQUIRED = ("姓名", "公民身份号码", "金额", "交易日期")
HEADER_SEARCH_ROWS = 20
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?$")
_MONEY = re.compile(r"[¥￥,，\s元]")
SHOWN = 500


@dataclass
class DuesPlan:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    amount: Decimal = Decimal(0)
    # (member_id, organization_id, month, amount, due, paid_on, reference)
    new: list[tuple] = field(default_factory=list, repr=False)
    shown: list[tuple] = field(default_factory=list)  # (row, name, month, amount) of the first rows
    new_count: int = 0
    months: list[str] = field(default_factory=list)  # the months of the new payments, "YYYY-MM"
    staged: str = ""  # PostgreSQL: the new payments wait in a staging table (``dues_staging``)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict:
        return {"new": self.new_count, "unchanged": self.unchanged, "amount": self.amount}


def _month(v, paid_on: date | None) -> date | None:
    if v is None or v == "":
        return paid_on.replace(day=1) if paid_on else None
    d = parse_date(v) if not isinstance(v, str) else None
    if d:
        return d.replace(day=1)
    m = _MONTH.match(_text(v))
    if not m:
        raise ValueError(v)
    return date(int(m.group(1)), int(m.group(2)), 1)


def _money(v) -> Decimal:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return Decimal(str(v)).quantize(Decimal("0.01"))
    s = _MONEY.sub("", _text(v))
    d = Decimal(s)
    if d != d.quantize(Decimal("0.01")):
        raise InvalidOperation
    return d.quantize(Decimal("0.01"))


# A statement repeats the same few amounts, dates and months: parse each distinct cell once.
_money_c = lru_cache(maxsize=4096)(_money)
_date_c = lru_cache(maxsize=4096)(parse_date)
_month_c = lru_cache(maxsize=4096)(_month)


def parse_money_dates(n: int, raw_amount, raw_date, raw_month, errors: list, today: date):
    """金额, 交易日期 and 党费月份 of one row, each bad cell named in ``errors``."""
    amount = paid_on = month = None
    try:
        amount = _money_c(raw_amount)
        if amount <= 0:
            errors.append(RowError(n, "金额", _("金额必须大于 0。")))
    except (InvalidOperation, ValueError):
        amount = None
        errors.append(RowError(n, "金额", _("“%(v)s”不是有效的金额（如 15.00）。", v=_text(raw_amount))))
    try:
        paid_on = _date_c(raw_date)
        if paid_on is None:
            errors.append(RowError(n, "交易日期", _("交易日期不能为空。")))
        elif paid_on > today:
            errors.append(RowError(n, "交易日期", _("交易日期不能晚于今天。")))
    except ValueError:
        errors.append(
            RowError(n, "交易日期", _("日期格式无法识别，请写成 2025-03-05、2025/3/5 或 2025年3月5日。"))
        )
    try:
        month = _month_c(raw_month, paid_on)
    except ValueError:
        errors.append(RowError(n, "党费月份", _("月份格式无法识别，请写成 2025-03 或 2025年3月。")))
    if month and month > today.replace(day=1):
        errors.append(RowError(n, "党费月份", _("不能登记以后月份的党费。")))
        month = None  # no further check on a month refused already
    return amount, paid_on, month


def _header(rows):
    for n, cells in rows:
        texts = [_text(c).replace(" ", "") for c in cells]
        col = {}
        for canon, names in COLUMNS.items():
            for i, t in enumerate(texts):
                if t in names:
                    col[canon] = i
                    break
        if all(c in col for c in REQUIRED):
            return n, col
        if n >= HEADER_SEARCH_ROWS:
            break
    raise ImportFileError(
        _(
            "前 %(n)s 行中没有找到表头。表头须包含：%(req)s（可另有党费月份、交易流水号）。",
            n=HEADER_SEARCH_ROWS,
            req="、".join(REQUIRED),
        )
    )


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def blind_key() -> bytes:
    from django.conf import settings

    return settings.BLIND_INDEX_KEY.encode()


def _date(v) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


def _current_members() -> dict:
    """Current members by blind index: (id, organization id, path, name, joined_on, monthly dues).

    Read with a plain cursor: no per-row converters for 150,000 rows (the few rows a statement
    uses are converted when used)."""
    qs = Member.objects.filter(status__in=CURRENT_STATUSES).values_list(
        "resident_id_hash", "id", "organization_id", "organization__path", "name", "joined_on",
        "dues_profile__monthly",
    )  # fmt: skip
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {r[0]: r[1:] for r in cur.fetchall()}


def statement_rows(rows, col):
    """(row, name, ID, amount, date, month, reference) cells of each non-blank statement row."""
    i_name, i_id, i_amount, i_date = (col[c] for c in REQUIRED)
    i_month, i_ref = col.get("党费月份"), col.get("交易流水号")
    picks = [i_name, i_id, i_amount, i_date, i_month, i_ref]
    width_needed = max(i for i in picks if i is not None) + 1
    always_pad = None in (i_month, i_ref)
    pick = itemgetter(*(len(HEADERS) + 99 if i is None else i for i in picks))  # absent columns read as empty
    pad = [None] * (len(HEADERS) + 100)
    for n, cells in rows:
        if always_pad or len(cells) < width_needed:
            cells = list(cells) + pad
        raw_name, raw_id, raw_amount, raw_date, raw_month, raw_ref = pick(cells)
        if _blank(raw_name) and _blank(raw_id) and _blank(raw_amount):
            continue
        yield n, raw_name, raw_id, raw_amount, raw_date, raw_month, raw_ref


def clean_name(raw) -> str:
    if type(raw) is str and raw.isalnum():  # most names: letters only, nothing to clean
        return raw
    return re.sub(r"\s+", "", _text(raw).translate(rules.DOT))


def id_hash(n: int, raw_id, key: bytes, errors: list) -> str | None:
    """The blind index of a row's resident ID, or None (an Excel number is named in ``errors``)."""
    if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
        errors.append(RowError(n, "公民身份号码", _(
            "公民身份号码被 Excel 存成了数字（如 4.10102E+17），后几位已丢失。请把该列设置为“文本”格式后重新导出。")))  # fmt: skip
        return None
    rid = raw_id.strip() if isinstance(raw_id, str) else ""
    rid = rid.upper() if len(rid) == 18 and rid.isascii() else resident_id.normalize(raw_id)
    return _hmac(key, rid.encode(), "sha256").hex()


def id_refused(n: int, raw_id, errors: list) -> bool:
    """For a number not on the roster: the GB 11643 check's precise reason, if it fails."""
    try:
        resident_id.parse(raw_id)
    except Exception as e:  # ValidationError
        errors.append(RowError(n, "公民身份号码", " ".join(getattr(e, "messages", [str(e)]))))
        return True
    return False


def not_on_roster() -> str:
    return _("花名册中没有该在册党员，或不在您的管理范围内。")  # unknown, left and out of scope read the same


def build_plan(fh, filename: str, *, user=None, today: date | None = None) -> DuesPlan:
    """Validate a whole statement; ``plan.errors`` names each bad row. Three queries."""
    today = today or timezone.localdate()
    prefixes = manage_prefixes(user)
    plan = DuesPlan()
    if prefixes == ():
        plan.errors.append(RowError(1, "—", _("您没有登记党费的权限。")))
        return plan
    rows = read_rows(fh, filename)
    hn, col = _header(rows)
    if connection.vendor == "postgresql":
        from .dues_staging import build_staged  # COPY to a staging table, the checks in SQL

        build_staged(plan, statement_rows(rows, col), prefixes=prefixes, today=today, header_row=hn)
        return plan
    members = _current_members()
    errors = plan.errors
    parsed = []  # (row, member tuple, month, amount, paid_on, ref)
    seen: dict[tuple, int] = {}
    key = blind_key()
    for n, raw_name, raw_id, raw_amount, raw_date, raw_month, raw_ref in statement_rows(rows, col):
        plan.rows += 1
        bad = len(errors)
        name = clean_name(raw_name)
        member = None
        h = id_hash(n, raw_id, key, errors)
        if h is not None:
            # The roster holds validated IDs only: a number found by its blind index is valid, and
            # the full check (with its precise reason) runs only for the numbers not found.
            member = members.get(h)
            if member is None and id_refused(n, raw_id, errors):
                member = False
            if member is not False:
                if member is None or not _in(member[2], prefixes):
                    # Unknown, not current and out of scope read the same.
                    errors.append(RowError(n, "公民身份号码", not_on_roster()))
                    member = None
                elif name and name != member[3]:
                    errors.append(
                        RowError(n, "姓名", _("“%(a)s”与花名册中的姓名“%(b)s”不一致。", a=name, b=member[3]))
                    )
        amount, paid_on, month = parse_money_dates(n, raw_amount, raw_date, raw_month, errors, today)
        if month and member and month < _date(member[4]).replace(day=1):
            errors.append(RowError(n, "党费月份", _("%(m)s 早于该党员入党的月份。", m=f"{month:%Y-%m}")))
        if member and month:
            pair = (member[0], month)
            if pair in seen:
                errors.append(
                    RowError(n, "公民身份号码", _("与第%(row)s行是同一党员同一月份的党费。", row=seen[pair]))
                )
            else:
                seen[pair] = n
        if len(errors) > bad:
            if len(errors) >= 10_000:
                errors.append(RowError(n, "—", _("错误过多，已停止检查其余的行。")))
                break
            continue
        parsed.append((n, member, month, amount, paid_on, _text(raw_ref)[:60]))
    if plan.rows == 0 and not errors:
        errors.append(RowError(hn + 1, "—", _("文件中没有党费数据。")))
    if errors:
        return plan
    recorded = {
        (mid, m): (a, p)
        for mid, m, a, p in DuesPayment.objects.filter(month__in={r[2] for r in parsed})
        .values_list("member_id", "month", "amount", "paid_on")
        .iterator(chunk_size=5000)
    }
    for n, member, month, amount, paid_on, ref in parsed:
        old = recorded.get((member[0], month))
        if old is not None:
            if old == (amount, paid_on):
                plan.unchanged += 1  # the same statement imported again changes nothing
                continue
            errors.append(RowError(n, "党费月份", _("%(name)s %(m)s 的党费已登记（%(a)s 元），不能重复登记。",
                                                    name=member[3], m=f"{month:%Y-%m}", a=old[0])))  # fmt: skip
            continue
        due = None if member[5] is None else Decimal(str(member[5])).quantize(Decimal("0.01"))
        if due is not None and amount < due and len(plan.warnings) < SHOWN:
            plan.warnings.append(
                RowError(
                    n, "金额", _("少于应交的 %(d)s 元（交纳确有困难须经支部研究、上级党委批准）。", d=due)
                )
            )
        plan.new.append((member[0], member[1], month, amount, due, paid_on, ref))
        plan.amount += amount
        if len(plan.shown) < SHOWN:
            plan.shown.append((n, member[3], month, amount))
    if errors:
        plan.new.clear()
        plan.amount = Decimal(0)
    plan.new_count = len(plan.new)
    plan.months = sorted({f"{r[2]:%Y-%m}" for r in plan.new})
    return plan
