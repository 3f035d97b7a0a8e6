"""Repeatable records on the member page (职务、奖惩、家庭成员、培训、出国（境）), as the national
member information system keeps them: entered by the unit secretary, audited, exported.

``KINDS`` maps the URL slug to the model, its form fields and how a row is summarised in the
audit trail (family members masked: their names are a third person's personal data).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.audit import audit_record
from branches.policy import Action, person, require
from branches.scoping import can_view_full_id

from .models import Member
from .models_life import FamilyRecord, PositionRecord, RewardRecord, TrainingRecord, TripRecord


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    label: str
    fields: tuple[str, ...]
    summary: object  # callable(record, masked: bool) -> str


def _d(v):
    return f"{v:%Y-%m-%d}" if v else "—"


KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind("positions", PositionRecord, gettext_lazy("职务"), ("title", "unit", "started_on", "ended_on", "notes"),
             lambda r, m: f"{r.title}（{r.unit}）{_d(r.started_on)}—{_d(r.ended_on) if r.ended_on else ''}"),
        Kind("rewards", RewardRecord, gettext_lazy("奖惩"),
             ("kind", "name", "decided_on", "deciding_body", "document_no", "reason", "notes"),
             lambda r, m: f"{r.get_kind_display()}：{r.name}（{r.deciding_body} {r.document_no}，{_d(r.decided_on)}）"),
        Kind("family", FamilyRecord, gettext_lazy("家庭成员"),
             ("relation", "name", "birth_year", "political_status", "work_unit", "notes"),
             lambda r, m: f"{r.get_relation_display()} {r.name_masked if m else r.name}"),
        Kind("trainings", TrainingRecord, gettext_lazy("培训"),
             ("name", "organizer", "started_on", "ended_on", "hours", "notes"),
             lambda r, m: f"{r.name}（{r.organizer}，{_d(r.started_on)}—{_d(r.ended_on)}，{r.hours} 学时）"),
        Kind("trips", TripRecord, gettext_lazy("出国（境）"),
             ("destination", "purpose", "detail", "left_on", "returned_on", "notes"),
             lambda r, m: f"{r.destination}（{r.get_purpose_display()}，{_d(r.left_on)}—{_d(r.returned_on)}）"),
    )
}  # fmt: skip


def _check(kind: Kind, rec) -> None:
    errors = {}
    if kind.slug in ("positions", "trips", "trainings"):
        start = {"positions": "started_on", "trips": "left_on", "trainings": "started_on"}[kind.slug]
        end = {"positions": "ended_on", "trips": "returned_on", "trainings": "ended_on"}[kind.slug]
        s, e = getattr(rec, start), getattr(rec, end)
        if s and e and e < s:
            errors[end] = _("结束日期不能早于开始日期。")
    if kind.slug == "family" and rec.birth_year and not (1900 <= rec.birth_year <= 2100):
        errors["birth_year"] = _("请填写四位年份。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_save(*, actor, member: Member, kind: str, values: dict, record=None):
    """Add (``record`` None) or edit one repeatable record from ``values`` (field → value); audited."""
    k = KINDS[kind]
    require(actor, Action.MANAGE, member.organization)
    # A ModelForm has already written the typed values onto ``record``: compare with the stored row.
    before = k.summary(k.model.objects.get(pk=record.pk), True) if record is not None else None
    rec = record or k.model(member=member, created_by=person(actor))
    for f in k.fields:
        if f in values:
            setattr(rec, f, values[f])
    _check(k, rec)
    rec.full_clean()
    rec.save()
    after = k.summary(rec, True)
    if before != after:
        audit_record(actor=actor, action=f"member.record.{'update' if record else 'add'}", obj=member,
                     organization=member.organization, changes={str(k.label): [before, after]})  # fmt: skip
    return rec


@transaction.atomic
def record_delete(*, actor, member: Member, kind: str, record) -> None:
    k = KINDS[kind]
    require(actor, Action.MANAGE, member.organization)
    summary = k.summary(record, True)
    record.delete()
    audit_record(actor=actor, action="member.record.delete", obj=member, organization=member.organization,
                 changes={str(k.label): [summary, None]})  # fmt: skip


def records_for(*, user, member: Member) -> dict[str, list]:
    """Every record of the member, one query a kind; family masked unless full view is allowed.

    Family members' names and work units shown in full are a full view of personal data: audited
    (``member.view_full_id``, naming what was shown) like a full resident ID on the roster."""
    full = can_view_full_id(user, member.organization)
    out = {}
    for slug, k in KINDS.items():
        rows = list(k.model.objects.filter(member=member))
        if slug == "family" and not full:
            for r in rows:
                r.shown_name, r.shown_work_unit = r.name_masked, r.work_unit_masked
        elif slug == "family":
            for r in rows:
                r.shown_name, r.shown_work_unit = r.name, r.work_unit
            if rows:
                # The audit trail is written in the portal's own language, whatever the reader's.
                with translation.override(settings.LANGUAGE_CODE):
                    changes = {str(k.label): _("%(n)d 条（完整姓名、工作单位）") % {"n": len(rows)}}
                audit_record(actor=user, action="member.view_full_id", obj=member, organization=member.organization,
                             changes=changes)  # fmt: skip
        out[slug] = rows
    return out


# --- export ------------------------------------------------------------------------------------

SHEETS = {
    "positions": ("职务", ["公民身份号码", "姓名", "职务名称", "任职单位（组织）", "任职日期", "免职日期", "备注"],
                  lambda r: [r.title, r.unit, r.started_on, r.ended_on, r.notes]),
    "rewards": ("奖惩", ["公民身份号码", "姓名", "类别", "奖惩名称", "批准日期", "批准机关", "批准文号", "奖惩原因", "备注"],
                lambda r: [r.get_kind_display(), r.name, r.decided_on, r.deciding_body, r.document_no, r.reason, r.notes]),
    "family": ("家庭成员", ["公民身份号码", "姓名", "称谓", "家庭成员姓名", "出生年份", "政治面貌", "工作单位及职务", "备注"],
               None),
    "trainings": ("培训", ["公民身份号码", "姓名", "培训班名称", "主办单位", "开始日期", "结束日期", "学时", "备注"],
                  lambda r: [r.name, r.organizer, r.started_on, r.ended_on, r.hours, r.notes]),
    "trips": ("出国（境）", ["公民身份号码", "姓名", "前往国家（地区）", "事由", "具体事由", "出境日期", "回国（入境）日期", "备注"],
              lambda r: [r.destination, r.get_purpose_display(), r.detail, r.left_on, r.returned_on, r.notes]),
}  # fmt: skip


def roster_record_sheets(members_qs, *, full_ids: bool = False) -> list[tuple[str, list[str], list[list]]]:
    """Extra sheets for the roster export: one per record kind, ``(sheet, headers, rows)``.

    Each row starts with the member's resident ID (masked unless ``full_ids``) and name, so a
    sheet joins back to the roster. One query per kind (the members' subquery inside it).
    """
    sheets = []
    for slug, (title, headers, cells) in SHEETS.items():
        model = KINDS[slug].model
        rows = []
        for r in (
            model.objects.filter(member__in=members_qs.values("pk"))
            .select_related("member")
            .order_by("member__organization_id", "member__name", "member_id", "id")
        ):
            m = r.member
            rid = m.resident_id if full_ids else m.resident_id_masked
            if slug == "family":
                body = [r.get_relation_display(), r.name if full_ids else r.name_masked, r.birth_year,
                        r.get_political_status_display(), r.work_unit if full_ids else r.work_unit_masked, r.notes]  # fmt: skip
            else:
                body = cells(r)
            rows.append([rid, m.name, *body])
        sheets.append((title, headers, rows))
    return sheets
