"""Building roster files and members for the members tests."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook

from branches.policy import SYSTEM
from members import services
from members.importing import HEADERS
from members.resident_id import make


def rid(n: int, *, male=True, birth=date(1980, 1, 1), area="410102") -> str:
    return make(area, birth, 2 * n + (1 if male else 0), male)


def row(n: int, org_code: str, **over) -> list:
    """A valid roster row; ``over`` replaces columns by header name."""
    r = {
        "姓名": f"党员{n}", "性别": "男", "民族": "汉族", "公民身份号码": rid(n), "出生日期": "1980-01-01",
        "学历": "本科", "手机号码": f"138{n:08d}", "入党日期": "2005-07-01", "转正日期": "2006-07-01",
        "党员类别": "正式党员", "党组织代码": org_code, "电子身份认证": "是", "党员状态": "正常",
    }  # fmt: skip
    r.update(over)
    return [r[h] for h in HEADERS]


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def csv_bytes(rows, encoding="gbk", headers=HEADERS) -> io.BytesIO:
    s = io.StringIO()
    w = csv.writer(s)
    w.writerow(headers)
    for r in rows:
        w.writerow(r)
    return io.BytesIO(s.getvalue().encode(encoding))


def add_member(org, n=1, *, actor=SYSTEM, **over):
    fields = dict(name=f"党员{n}", resident_id=rid(n), gender="M", joined_on=date(2005, 7, 1),
                  full_member_on=date(2006, 7, 1), organization=org, phone="")  # fmt: skip
    fields.update(over)
    return services.member_create(actor=actor, **fields)
