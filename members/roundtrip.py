"""The roster round trip: export with full resident IDs → fix in Excel → import again unchanged.

The export with full IDs is its own permission (``Action.VIEW_FULL_ID``, the roles'
``can_view_full_id``), limited to the subtrees where the flag holds, and logged (``ExportLog``).
Its workbook is the import template's: the exact header row, the ID and phone columns formatted
as text (``@``, so Excel never makes 18 digits into 4.10102E+17), and drop-downs on the columns
with fixed values, so that the file a secretary corrects imports with no error and, untouched,
with no change.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone

from branches.audit import export_logged
from branches.exporting import attachment
from branches.models import Organization
from branches.policy import Action, action_q, orgs_for, require

from . import importing, records, selectors
from .models import Category, Education, MemberStatus
from .spreadsheets import workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_COL, PHONE_COL = importing.HEADERS.index("公民身份号码"), importing.HEADERS.index("手机号码")


def choices() -> dict[int, list[str]]:
    """Drop-downs for the columns with fixed values (the labels the import reads)."""
    h = importing.HEADERS.index
    return {
        h("性别"): ["男", "女"],
        h("学历"): [str(label) for _v, label in Education.choices],
        h("党员类别"): [str(label) for _v, label in Category.choices],
        h("电子身份认证"): ["是", "否"],
        h("党员状态"): [str(label) for _v, label in MemberStatus.choices],
    }


def roster_workbook(rows, *, extra_sheets=()) -> tuple[bytes, int]:
    return workbook_bytes(
        importing.HEADERS, rows, sheet="党员花名册", text_columns=(ID_COL, PHONE_COL), choices=choices(),
        widths={0: 12, 4: 12, 7: 12, 8: 12, 10: 16}, extra_sheets=extra_sheets,
    )  # fmt: skip


def roster_row(m, *, full_id: bool) -> list:
    return [m.name, m.get_gender_display(), m.ethnicity, m.resident_id if full_id else m.resident_id_masked,
            m.birth_date, m.get_education_display(), m.phone, m.joined_on, m.full_member_on,
            m.get_category_display(), m.organization.code, "是" if m.eid_authenticated else "否",
            m.get_status_display()]  # fmt: skip


@login_required
def member_export_full(request):
    """党员花名册（含完整公民身份号码）: same filters as the roster, only where the user may see full
    IDs; every download is logged with who, what, how many rows and the filters."""
    from .views import _filters

    _form, filters, org = _filters(request)
    require(request.user, Action.VIEW_FULL_ID, org)
    qs = selectors.member_list(user=request.user, filters=filters).filter(
        action_q(request.user, Action.VIEW_FULL_ID, "organization__path")
    )
    data, n = roster_workbook((roster_row(m, full_id=True) for m in qs),
                              extra_sheets=records.roster_record_sheets(qs, full_ids=True))  # fmt: skip
    export_logged(
        user=request.user, what="党员花名册（含完整公民身份号码）", rows=n, filters=dict(request.GET.items())
    )
    return attachment(
        HttpResponse(data, content_type=XLSX), f"党员花名册-完整身份号码-{timezone.localdate():%Y%m%d}.xlsx"
    )


def template_org_code(user) -> str:
    """The organization code the template's example row carries: the secretary's own unit."""
    org = orgs_for(user, Action.IMPORT).filter(status="active").order_by("depth", "path").first()
    if org is None:
        return ""
    # A secretary's own organization (their role's), not the city root for the department.
    from branches.policy import role_orgs

    own = role_orgs(user, Action.IMPORT).filter(status="active").order_by("-depth", "path").first()
    return (own or org).code


@login_required
def roster_template(request):
    """The import template: the exact header row, one example row carrying the secretary's own
    organization code, text-formatted ID and phone columns and drop-downs for fixed columns."""
    if importing.manage_prefixes(request.user) == ():
        raise PermissionDenied
    code = (
        template_org_code(request.user)
        or Organization.objects.filter(depth=1).values_list("code", flat=True).first()
    )
    # 41010219800101001 + its check character: Σ a_i·W_i = 125, 125 mod 11 = 4 → "8" (GB 11643 §8.2).
    example = ["张三", "男", "汉族", "410102198001010018", "1980-01-01", "本科", "13800000000",
               "2005-07-01", "2006-07-01", "正式党员", code or "", "是", "正常"]  # fmt: skip
    data, _n = roster_workbook([example])
    return attachment(HttpResponse(data, content_type=XLSX), "党员花名册导入模板.xlsx")
