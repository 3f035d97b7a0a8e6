"""Setting up the pilot through its models/services, shared by the pilot tests and access cases."""

from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from branches.models import Domain
from pilot.models import Cadence, Element, Function, Plan, PlanYear, Task
from pilot.services import checklist_generate, month_start


def make_plan(year: int | None = None) -> PlanYear:
    year = year or timezone.localdate().year
    plan = Plan.objects.create(name="三年试点", start_year=year, end_year=year + 2, overall_goal="整体推进")
    py = PlanYear.objects.create(plan=plan, year=year, theme="标准强化年")
    Task.objects.bulk_create([
        Task(plan_year=py, code="G01", title="支部主题党日", element=Element.ACTIVITY, function=Function.POLITICAL,
             cadence=Cadence.MONTHLY, due_day=28, is_common=True, sort_order=1),
        Task(plan_year=py, code="G02", title="三会一课", element=Element.SYSTEM, function=Function.POLITICAL,
             cadence=Cadence.MONTHLY, due_day=28, is_common=True, sort_order=2),
        Task(plan_year=py, code="V01", title="村级集体经济", element=Element.GUARANTEE, function=Function.SERVICE,
             cadence=Cadence.MONTHLY, due_day=28, domains=[Domain.VILLAGE], sort_order=3),
        Task(plan_year=py, code="S01", title="社区网格覆盖", element=Element.COVERAGE, function=Function.POLITICAL,
             cadence=Cadence.MONTHLY, due_day=28, domains=[Domain.COMMUNITY], sort_order=4),
        Task(plan_year=py, code="Q01", title="合格支部自查", element=Element.SYSTEM, function=Function.POLITICAL,
             cadence=Cadence.QUARTERLY, due_day=28, is_common=True, sort_order=5),
    ])  # fmt: skip
    return py


def this_month() -> date:
    return month_start(timezone.localdate())


def setup_checklist(period: date | None = None) -> date:
    period = period or this_month()
    if not PlanYear.objects.filter(year=period.year).exists():
        make_plan(period.year)
    checklist_generate(period=period)
    return period


def jpeg_upload(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def exe_upload(name="photo.jpg") -> SimpleUploadedFile:
    data = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 48
        + b"PE\x00\x00"
        + b"\x00" * 200
    )
    return SimpleUploadedFile(name, data, content_type="image/jpeg")
