"""Roster import (花名册导入): read .xlsx/.csv, validate every row, preview, then write all or nothing.

One machinery for the portal (a secretary, own organization and below), the admin (the
department) and ``manage.py import_members``. It is built for 150,000-row files:

- reading: python-calamine for .xlsx (openpyxl is ten times slower), the csv module for .csv
  with the encoding detected (UTF-8, UTF-8 with BOM, GBK/GB18030) — both in a child process
  with a memory limit, after ``branches.sheets`` has checked the file by streaming it (hostile
  files: zip bombs, far cell references, nested archives, polyglots);
- validating in plain Python against two queries (organization codes in scope, current
  members' blind indexes) — never a query per row;
- writing with ``bulk_create``/``bulk_update`` in batches and one bulk audit insert per batch,
  inside one transaction.

Reading and cell parsing: ``members.import_reading``; writing: ``members.import_writing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from branches.models import Organization, OrgStatus
from branches.policy import SYSTEM, Action, scope_for

from . import resident_id, rules
from .crypto import blind_index
from .import_reading import (  # noqa: F401  re-exported: members.importing is the import's public API
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileError,
    _,
    _rows_of,
    _text,
    parse_date,
    read_rows,
)
from .models import CURRENT_STATUSES, Category, Education, Gender, Member, MemberStatus

HEADERS = [
    "姓名", "性别", "民族", "公民身份号码", "出生日期", "学历", "手机号码",
    "入党日期", "转正日期", "党员类别", "党组织代码", "电子身份认证", "党员状态",
]  # fmt: skip
REQUIRED = {"姓名", "公民身份号码", "入党日期", "党组织代码"}

PREVIEW_DETAIL = 1000
MAX_ERRORS = 10_000  # a file with the columns shifted errs on every row: stop, it says enough  # updates whose old → new values the preview spells out
BATCH = 2000

# The fields an import sets, in the order they are compared and written.
FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "education", "phone", "joined_on",
    "full_member_on", "category", "organization_id", "eid_authenticated", "status",
)  # fmt: skip
LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
    "education": "学历", "phone": "手机号码", "joined_on": "入党日期", "full_member_on": "转正日期",
    "category": "党员类别", "organization_id": "党组织代码", "eid_authenticated": "电子身份认证",
    "status": "党员状态",
}  # fmt: skip

_GENDER = {"男": Gender.MALE, "女": Gender.FEMALE}
_EDU = {str(label): value for value, label in Education.choices} | {"研究生": Education.MASTER}
_CATEGORY = {"正式党员": Category.FULL, "正式": Category.FULL, "预备党员": Category.PROBATIONARY,
             "预备": Category.PROBATIONARY}  # fmt: skip
_STATUS = {str(label): value for value, label in MemberStatus.choices} | {"": MemberStatus.NORMAL}
_YES = {"是", "已认证", "已完成", "Y", "YES", "1", "TRUE", "√"}
_NO = {"否", "未认证", "N", "NO", "0", "FALSE", ""}


def duplicate_id_message() -> str:
    """The one answer for a resident ID that is a current member outside the user's scope."""
    return _("该公民身份号码无法添加。如需核实，请联系市委组织部。")


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("第%(row)s行 %(column)s: %(reason)s", row=self.row, column=self.column, reason=self.reason)


@dataclass(slots=True)
class Change:
    row: int
    kind: str  # new / updated / unchanged
    name: str
    masked_id: str
    org_code: str
    fields: dict | None = None  # {label: [old, new]} for updates


@dataclass
class ImportPlan:
    """The dry run: what would happen. ``errors`` non-empty means nothing may be imported."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # Validated values, kept compact (tuples) for the write step.
    _new: list[tuple] = field(default_factory=list, repr=False)
    _updates: list[tuple] = field(default_factory=list, repr=False)
    _org_codes: dict = field(default_factory=dict, repr=False)
    # Current members outside the importer's scope whose IDs the file holds (never shown).
    refused_member_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str) -> int:
        if kind == "new":
            return len(self._new)
        if kind == "updated":
            return len(self._updates)
        return self.rows - len(self._new) - len(self._updates) if self.ok else 0

    @property
    def counts(self) -> dict:
        return {k: self.count(k) for k in ("new", "updated", "unchanged")}


# --- scope ------------------------------------------------------------------------------------


def manage_prefixes(user) -> tuple[str, ...] | None:
    """Organization paths the user may import into; ``None`` means everywhere.

    Everywhere: the system actor (the shell command), superusers, and the department's staff
    holding the ``members.import_member`` permission (the admin import). Secretaries: their
    subtrees (``branches.policy``, ``Action.IMPORT``). No actor: nowhere.
    """
    if user is None:
        return ()
    if user is SYSTEM or user.has_perm("members.import_member"):
        return None
    scope = scope_for(user, Action.IMPORT)
    return None if scope.is_city else scope.prefixes


def _in(path: str, prefixes) -> bool:
    return prefixes is None or any(path.startswith(p) for p in prefixes)


# --- the plan ---------------------------------------------------------------------------------


def build_plan(fh, filename: str, *, user=None, today: date | None = None) -> ImportPlan:
    """Validate the whole file and work out every change. Two queries, however many rows."""
    today = today or timezone.localdate()
    prefixes = manage_prefixes(user)
    plan = ImportPlan()
    if prefixes == ():
        plan.errors.append(RowError(1, "—", _("您没有导入党员的权限。")))
        return plan
    orgs = {
        code: (oid, path, status)
        for code, oid, path, status in Organization.objects.values_list("code", "id", "path", "status")
    }
    org_code_by_id = {v[0]: k for k, v in orgs.items()}
    # Current members anywhere (the uniqueness rule is city-wide), fields for the diff.
    # Stored compactly (one joined string per member) so 150,000 of them fit in little memory.
    existing = {
        r[0]: (r[1], r[2], _key(r[3:]))
        for r in Member.objects.filter(status__in=CURRENT_STATUSES).values_list(
            "resident_id_hash", "id", "organization__path", *FIELDS
        )
    }

    rows = read_rows(fh, filename)
    header_row = None
    for n, cells in rows:
        texts = [_text(c) for c in cells]
        if any(texts):
            header_row = (n, texts)
            break
    if header_row is None:
        raise ImportFileError(_("文件是空的。"))
    hn, header = header_row
    col = {h: i for i, h in enumerate(header) if h}
    missing = [h for h in HEADERS if h not in col]
    if missing:
        raise ImportFileError(
            _(
                "第%(row)s行表头缺少列：%(missing)s。请下载导入模板，表头须为：%(headers)s。",
                row=hn,
                missing="、".join(missing),
                headers="，".join(HEADERS),
            )
        )
    idx = [col[h] for h in HEADERS]
    seen: dict[str, int] = {}
    errors = plan.errors

    for n, cells in rows:
        width = len(cells)
        raw = [cells[i] if i < width else None for i in idx]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue  # blank row
        plan.rows += 1
        (
            r_name,
            r_gender,
            r_eth,
            r_id,
            r_birth,
            r_edu,
            r_phone,
            r_join,
            r_full,
            r_cat,
            r_org,
            r_eid,
            r_status,
        ) = raw
        bad = len(errors)

        name = rules.normalize_name(_text(r_name))

        rid = birth_from_id = gender_from_id = None
        if isinstance(r_id, (int, float)) and not isinstance(r_id, bool):
            errors.append(
                RowError(
                    n,
                    "公民身份号码",
                    _(
                        "公民身份号码被 Excel 存成了数字（显示为科学计数法，如 4.10102E+17），后几位已丢失。"
                        "请把该列设置为“文本”格式后重新录入号码，或在号码前加英文单引号 '。"
                    ),
                )
            )
        else:
            try:
                rid, birth_from_id, gender_from_id = resident_id.parse(r_id)
            except Exception as e:  # ValidationError
                errors.append(RowError(n, "公民身份号码", " ".join(getattr(e, "messages", [str(e)]))))
        rhash = None
        if rid and not resident_id.area_known(rid[:6]) and len(plan.warnings) < PREVIEW_DETAIL:
            plan.warnings.append(
                RowError(
                    n,
                    "公民身份号码",
                    _("行政区划代码 %(area)s 不在代码库中，请核对（不影响导入）。", area=rid[:6]),
                )
            )
        if rid:
            if rid in seen:
                errors.append(
                    RowError(n, "公民身份号码", _("与第%(row)s行的公民身份号码重复。", row=seen[rid]))
                )
            else:
                seen[rid] = n
            rhash = blind_index(rid)

        g = _text(r_gender)
        gender = _GENDER.get(g) if g else gender_from_id
        if g and gender is None:
            errors.append(RowError(n, "性别", _("“%(v)s”不是有效的性别，应为“男”或“女”。", v=g)))

        ethnicity = _text(r_eth) or "汉族"

        try:
            birth = parse_date(r_birth) or birth_from_id
        except ValueError:
            birth = None
            errors.append(
                RowError(n, "出生日期", _("日期格式无法识别，请写成 2019-07-01、2019/7/1 或 2019年7月1日。"))
            )

        e = _text(r_edu)
        education = _EDU.get(e, None) if e else ""
        if education is None:
            errors.append(
                RowError(
                    n, "学历", _("“%(v)s”不是可识别的学历（如 初中、高中、大专、本科、硕士研究生）。", v=e)
                )
            )

        phone = rules.normalize_phone(_text(r_phone))
        # The roster rules (members.rules) on what parsed; a cell that did not parse is named once.
        checked = {
            "name": name,
            "gender": gender,
            "ethnicity": ethnicity,
            "birth_date": birth,
            "phone": phone,
        }
        joined = full = None
        try:
            checked["joined_on"] = joined = parse_date(r_join)
        except ValueError:
            errors.append(
                RowError(n, "入党日期", _("日期格式无法识别，请写成 2019-07-01、2019/7/1 或 2019年7月1日。"))
            )
        try:
            checked["full_member_on"] = full = parse_date(r_full)
        except ValueError:
            errors.append(
                RowError(n, "转正日期", _("日期格式无法识别，请写成 2019-07-01、2019/7/1 或 2019年7月1日。"))
            )
        for name_of, message in rules.person_errors(
            checked, id_birth=birth_from_id, id_gender=gender_from_id, today=today
        ).items():
            errors.append(RowError(n, LABELS[name_of], message))

        c = _text(r_cat)
        category = _CATEGORY.get(c) if c else (Category.FULL if full else Category.PROBATIONARY)
        if category is None:
            errors.append(
                RowError(n, "党员类别", _("“%(v)s”不是有效的党员类别，应为“正式党员”或“预备党员”。", v=c))
            )

        code = _text(r_org)
        org = orgs.get(code) if code else None
        org_id = None
        if not code:
            errors.append(RowError(n, "党组织代码", _("党组织代码不能为空。")))
        elif org is None or not _in(org[1], prefixes):
            # Unknown and out-of-scope read the same: nobody learns what exists elsewhere.
            errors.append(
                RowError(n, "党组织代码", _("党组织代码“%(code)s”不存在或不在您的管理范围内。", code=code))
            )
        elif org[2] != OrgStatus.ACTIVE:
            errors.append(
                RowError(n, "党组织代码", _("党组织“%(code)s”已撤销或合并，不能再接收党员。", code=code))
            )
        else:
            org_id = org[0]

        ev = _text(r_eid).upper()
        if ev in _YES:
            eid = True
        elif ev in _NO:
            eid = False
        else:
            eid = None
            errors.append(RowError(n, "电子身份认证", _("“%(v)s”应为“是”或“否”。", v=_text(r_eid))))

        s = _text(r_status)
        status = _STATUS.get(s)
        if status is None:
            errors.append(
                RowError(n, "党员状态", _("“%(v)s”不是有效的党员状态（正常、流动、转出、出党、去世）。", v=s))
            )

        if len(errors) > bad:
            if len(errors) >= MAX_ERRORS:
                errors.append(
                    RowError(n, "—", _("错误过多，已停止检查其余的行。请先按以上提示修改文件后重新上传。"))
                )
                break
            continue
        values = (
            name,
            gender,
            ethnicity,
            birth,
            education,
            phone,
            joined,
            full,
            category,
            org_id,
            eid,
            status,
        )
        old = existing.get(rhash)
        if old is None:
            plan._new.append((rid, rhash, values))
            plan.changes.append(Change(n, "new", name, resident_id.mask(rid), code))
            continue
        old_id, old_path, old_key = old
        if not _in(old_path, prefixes):
            # No existence oracle: the importer learns only that the number cannot be added and
            # whom to ask, never where it is registered; the refusal is audited and rate-limited
            # per user (members.services.duplicate_ids_gate).
            errors.append(RowError(n, "公民身份号码", duplicate_id_message()))
            plan.refused_member_ids.append(old_id)
            continue
        if _key(values) != old_key:
            # The old values stay one compact string; the diff is spelled out for the first
            # changes shown in the preview and again, row by row, when the audit is written.
            plan._updates.append((old_id, values, old_key))
            detail = (
                _changed(old_key, values, org_code_by_id) if len(plan._updates) <= PREVIEW_DETAIL else None
            )
            plan.changes.append(Change(n, "updated", name, resident_id.mask(rid), code, detail))
        else:
            plan.changes.append(Change(n, "unchanged", name, resident_id.mask(rid), code))
    if plan.rows == 0 and not errors:
        errors.append(RowError(hn + 1, "—", _("文件中没有党员数据。")))
    plan._org_codes = org_code_by_id
    return plan


def _changed(old_key: str, values: tuple, org_codes: dict) -> dict:
    """``{列名: [old, new]}`` for the fields that differ."""
    return {
        LABELS[f]: [_show(f, a, org_codes, raw=True), _show(f, b, org_codes)]
        for f, a, b in zip(FIELDS, old_key.split(_SEP), values, strict=True)
        if a != _cell_key(b)
    }


_SEP = "\x1f"


def _cell_key(v) -> str:
    if v is None:
        return ""
    if v is True or v is False:
        return "1" if v else "0"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _key(values) -> str:
    return _SEP.join(map(_cell_key, values))


_DISPLAY = {
    "gender": dict(Gender.choices),
    "education": dict(Education.choices),
    "category": dict(Category.choices),
    "status": dict(MemberStatus.choices),
}


def _show(f, v, org_codes, raw=False):
    """A value as the preview shows it; ``raw`` values come from ``_key`` (strings)."""
    if raw:
        v = {"organization_id": lambda x: int(x), "eid_authenticated": lambda x: x == "1"}.get(
            f, lambda x: x
        )(v)
    if f == "organization_id":
        return org_codes.get(v, v)
    if f == "eid_authenticated":
        return "是" if v else "否"
    if f in _DISPLAY:
        return str(_DISPLAY[f].get(v, v or ""))
    if isinstance(v, date):
        return v.isoformat()
    return v if v is not None else ""


# --- writing: members/import_writing.py (COPY on PostgreSQL, executemany on SQLite) -------------

from .import_writing import apply_plan, insert_members  # noqa: E402,F401  (the module's public API)
