"""The admin's django-import-export imports share the roster import's guard (issue 14)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from branches.models import Organization
from tests import hostile
from tests.branches.test_import_export import HEADERS
from tests.factories import UserFactory

FORMATS = {"csv": "0", "xlsx": "1"}  # GuardedImportMixin offers these two, in this order


@pytest.fixture
def admin(client, small_city):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _post(client, data: bytes, name: str, fmt: str):
    return client.post(
        reverse("admin:branches_organization_import"),
        {"import_file": SimpleUploadedFile(name, data), "format": FORMATS[fmt]},
    )


def _leftovers(settings):
    d = settings.UPLOAD_TEMP_DIR
    return [p for p in d.rglob("*") if p.is_file()] if d.exists() else []


@pytest.mark.parametrize(
    "build,says",
    [
        (lambda: hostile.two_corners("XFD1048576"), "超出了导入模板"),
        (lambda: hostile.two_corners("CV300000"), "超出了导入模板"),
        (hostile.padded_bomb, "疑似压缩炸弹"),
        (hostile.nested_zip, "嵌入了压缩包"),
        (lambda: hostile.HTML_AS_XLSX, "不是有效的 .xlsx"),
    ],
    ids=["XFD1048576", "CV300000", "padding", "nested", "html"],
)
def test_admin_import_refuses_hostile_workbooks_in_chinese(admin, settings, build, says):
    resp = _post(admin, build(), "orgs.xlsx", "xlsx")
    assert resp.status_code == 200
    assert says in resp.content.decode()
    assert _leftovers(settings) == []  # no confirm step will come: the upload is gone


def test_admin_import_offers_csv_and_xlsx_only(admin):
    page = admin.get(reverse("admin:branches_organization_import")).content.decode()
    assert ">csv<" in page and ">xlsx<" in page
    for other in (">json<", ">yaml<", ">tsv<", ">html<", ">ods<"):
        assert other not in page


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROW = ["TB09", "乙九村党支部", "TB", "unit", "village", "branch", "", "王堃", "2024-03-01", 5, "active"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_admin_import_of_an_honest_file_previews_and_confirms(admin, settings, fmt):
    if fmt == "xlsx":
        data = _xlsx([ROW])
    else:
        data = ("\n".join([",".join(HEADERS), ",".join(map(str, ROW))]) + "\n").encode("gbk")
    resp = _post(admin, data, f"orgs.{fmt}", fmt)
    assert resp.status_code == 200
    confirm = resp.context["confirm_form"]
    assert confirm is not None, resp.content.decode()[:2000]
    kept = _leftovers(settings)
    assert len(kept) == 1 and "admin-imports" in str(kept[0])
    done = admin.post(reverse("admin:branches_organization_process_import"), confirm.initial)
    assert done.status_code == 302
    org = Organization.objects.get(code="TB09")
    assert org.secretary_name == "王堃" and org.term_years == 5
    assert _leftovers(settings) == []
