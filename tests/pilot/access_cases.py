"""Every pilot URL × every role (see ``tests/access.py``)."""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from pilot import services
from pilot.models import (
    Brand,
    ChecklistItem,
    CollectiveIncome,
    Commitment,
    Evidence,
    MeetingDecision,
    NoticeAttachment,
    WeeklyMeeting,
)
from tests.access import EVERYONE, Case, allow

from .helpers import setup_checklist

EVIDENCE_NAME = "pilot/evidence/access/e1.jpg"
DISPLAY_NAME = "pilot/display/access/e1-display.jpg"
NOTICE_NAME = "pilot/notices/access/n1.pdf"
CASE_NAME = "pilot/brands/access/c1.jpg"


def build(city):
    period = setup_checklist()
    ChecklistItem.objects.update(due_date=timezone.localdate() + timedelta(days=10))

    def item(org, code="G01"):
        return ChecklistItem.objects.get(organization=org, task__code=code, period=period)

    cun, zhen = city.users["cun"], city.users["zhen"]
    a1_item = item(city.a1)
    report = services.report_submit(actor=cun, item=a1_item, state="done", percent=100, narrative="完成")
    # The files are written per test (``_write_files``): each test has its own MEDIA_ROOT.
    evidence = Evidence.objects.create(
        report=report,
        organization=city.a1,
        file=EVIDENCE_NAME,
        display=DISPLAY_NAME,
        original_name="现场.jpg",
        kind="image",
        mime="image/jpeg",
        size=10,
    )
    city.extra.update(
        a1_item=a1_item,
        a2_item=item(city.a2),
        b1_item=item(city.b1),
        evidence=evidence,
        commitment=Commitment.objects.create(
            organization=city.a1, year=period.year, secretary_name="张三", content="集体经济过 10 万元"
        ),
        income=CollectiveIncome.objects.create(organization=city.a1, year=period.year, income=6, target=10),
        brand_pub=services.brand_publish(
            actor=zhen, brand=Brand.objects.create(organization=city.a1, name="田间党课")
        ),
        brand_b1=Brand.objects.create(organization=city.b1, name="乙一村品牌"),
    )
    meeting = WeeklyMeeting.objects.create(organization=city.town_a, held_on=date.today(), topic="例会")
    city.extra["decision"] = MeetingDecision.objects.create(
        meeting=meeting, organization=city.town_a, content="督促报送", owner="王", due_date=date.today()
    )
    city.extra["income_sub"] = CollectiveIncome.objects.create(
        organization=city.a1, year=period.year - 1, income=8, target=10, status="submitted", reported_by=cun
    )
    city.extra["income_b1"] = CollectiveIncome.objects.create(
        organization=city.b1, year=period.year, income=8, target=10, status="submitted"
    )
    from assessments.services import public_page_for

    city.extra["page_a1"] = public_page_for(city.a1)
    from pilot.models import BrandCase

    city.extra["case_pub"] = BrandCase.objects.create(
        brand=city.extra["brand_pub"], title="个案", body="内容", photo=CASE_NAME
    )
    city.extra["case_b1"] = BrandCase.objects.create(
        brand=city.extra["brand_b1"], title="个案", body="内容", photo=CASE_NAME
    )
    notice = services.notice_send(
        actor=zhen, sender_org=city.town_a, title="通知", body="正文", recipients=[city.a1, city.a2]
    )
    city.extra["notice"] = notice
    city.extra["attachment"] = NoticeAttachment.objects.create(
        notice=notice, file=NOTICE_NAME, original_name="附件.pdf", mime="application/pdf", size=10
    )


def _item_status(item):
    return ChecklistItem.objects.get(pk=item.pk).status


def _b1_reported(city):
    """乙一村 reports its item (read afresh: each role runs in its own savepoint)."""
    item = ChecklistItem.objects.get(pk=city["b1_item"].pk)
    services.report_submit(actor=city.users["cun2"], item=item, state="done", percent=100, narrative="完成")


def _write_files(city):
    for name in (EVIDENCE_NAME, DISPLAY_NAME, NOTICE_NAME, CASE_NAME):
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(b"%PDF-1.4 test"))


def _report_data(city):
    return {"state": "done", "percent": "100", "narrative": "完成"}


CASES = [
    Case("pilot:checklist", allowed=EVERYONE),
    Case(
        "pilot:item_detail",
        lambda c: {"item_id": c["a1_item"].pk},
        allow("shi", "zhen", "cun"),
        label="item:a1",
        within="a1",
    ),
    Case(
        "pilot:item_detail",
        lambda c: {"item_id": c["a2_item"].pk},
        allow("shi", "zhen", "ducha"),
        label="item:a2",
        within="a2",
    ),
    Case(
        "pilot:item_detail",
        lambda c: {"item_id": c["b1_item"].pk},
        allow("shi", "cun2"),
        label="item:b1",
        within="b1",
    ),
    Case("pilot:item_detail", lambda c: {"item_id": 987654}, allow(), label="item:missing", within="missing"),
    Case(
        "pilot:item_report",
        lambda c: {"item_id": c["a2_item"].pk},
        allow(),  # the level above reviews a unit's report; it does not file it for the unit
        method="post",
        data=_report_data,
        ok_status=302,
        label="report:a2",
        within="a2",
    ),
    Case(
        "pilot:item_report",
        lambda c: {"item_id": c["b1_item"].pk},
        allow("cun2"),
        method="post",
        data=_report_data,
        ok_status=302,
        label="report:b1",
        within="b1",
        audit=("report_submit",),
    ),
    Case(
        "pilot:item_review",
        lambda c: {"item_id": c["a1_item"].pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"decision": "return", "reason": "补充材料"},
        ok_status=302,
        label="review:a1",
        within="a1",
        audit=("report_return",),
    ),
    Case(
        "pilot:evidence",
        lambda c: {"evidence_id": c["evidence"].pk},
        allow("shi", "zhen", "cun"),
        setup=_write_files,
        within="a1",
    ),
    Case(
        "pilot:evidence_display",
        lambda c: {"evidence_id": c["evidence"].pk},
        allow("shi", "zhen", "cun"),
        setup=_write_files,
        within="a1",
    ),
    Case("pilot:review", allowed=allow("shi", "zhen")),
    Case(
        "pilot:review",
        allowed=allow("shi", "zhen"),
        query=lambda c: {"org": c.town_a.pk},
        label="review:town_a",
        within="town_a",
    ),
    Case(
        "pilot:review",
        allowed=allow("shi"),
        query=lambda c: {"org": c.town_b.pk},
        label="review:town_b",
        within="town_b",
    ),
    Case(
        "pilot:review_decide",
        lambda c: {"item_id": c["a1_item"].pk},
        allow("shi", "zhen"),  # 404 for the other township's secretary, 403 for the unit and inspector
        method="post",
        data=lambda c: {"decision": "return", "reason": "补充照片"},
        ok_status=302,
        label="review_decide:a1",
        within="a1",
        audit=("report_return",),
        effect=lambda c: _item_status(c["a1_item"]),
    ),
    Case(
        "pilot:review_decide",
        lambda c: {"item_id": c["b1_item"].pk},
        allow("shi"),
        method="post",
        data=lambda c: {"decision": "accept"},
        ok_status=302,
        label="review_decide:b1",
        within="b1",
        setup=_b1_reported,
        audit=("report_accept",),
        effect=lambda c: _item_status(c["b1_item"]),
    ),
    Case("pilot:matrix", allowed=allow("shi", "zhen"), ok_status=200, status={"shi": 302}),
    Case(
        "pilot:matrix",
        allowed=allow("shi", "zhen"),
        query=lambda c: {"org": c.town_a.pk},
        label="matrix:town_a",
        within="town_a",
    ),
    Case(
        "pilot:matrix",
        allowed=allow("shi"),
        query=lambda c: {"org": c.town_b.pk},
        label="matrix:town_b",
        within="town_b",
    ),
    Case("pilot:city", allowed=allow("shi", "zhen")),
    Case(
        "pilot:matrix_export",
        allowed=allow("shi", "zhen"),
        query=lambda c: {"org": c.town_a.pk},
        within="town_a",
    ),
    Case("pilot:checklist_generate", allowed=allow("shi", "zhen"), method="post", ok_status=302, audit=()),
    Case("pilot:plan", allowed=EVERYONE),
    Case("pilot:plan_year_start", allowed=allow("shi")),
    Case("pilot:pocketbook", allowed=EVERYONE),
    Case(
        "pilot:commitment_update",
        lambda c: {"commitment_id": c["commitment"].pk},
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"percent": "50"},
        ok_status=302,
        within="a1",
        audit=("commitment_progress",),
    ),
    Case(
        "pilot:commitment_add",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        method="post",
        data=lambda c: {"content": "年内建成党员群众服务中心"},
        ok_status=302,
        within="a1",
        audit=("commitment_add",),
    ),
    Case("pilot:economy", allowed=EVERYONE),
    Case(
        "pilot:measure_add",
        lambda c: {"income_id": c["income"].pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"content": "盘活闲置校舍"},
        ok_status=302,
        within="a1",
        audit=("income_measure_add",),
    ),
    Case("pilot:activities", allowed=EVERYONE),
    Case("pilot:activity_new", lambda c: {"org_id": c.a1.pk}, allow("shi", "zhen", "cun"), within="a1"),
    Case("pilot:centers", allowed=EVERYONE),
    Case(
        "pilot:record_new",
        lambda c: {"kind": "honor_target", "org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        within="a1",
    ),
    Case(
        "pilot:record_new",
        lambda c: {"kind": "funding", "org_id": c.b1.pk},
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"year": "2023", "category": "care", "amount": "1.5", "spent_on": "2023-05-01"},
        ok_status=302,
        label="record_new:funding_b1",
        within="b1",
        audit=("fundingrecord_create",),
    ),
    Case("pilot:brands", allowed=EVERYONE),
    Case("pilot:brand_detail", lambda c: {"brand_id": c["brand_pub"].pk}, EVERYONE, label="brand:published"),
    Case(
        "pilot:brand_detail",
        lambda c: {"brand_id": c["brand_b1"].pk},
        allow("shi", "cun2"),
        label="brand:b1_draft",
        within="b1",
    ),
    Case(
        "pilot:brand_publish",
        lambda c: {"brand_id": c["brand_b1"].pk},
        allow("shi"),
        method="post",
        data=lambda c: {"publish": "1"},
        ok_status=302,
        within="b1",
        audit=("brand_publish",),
    ),
    Case("pilot:honors", allowed=EVERYONE),
    Case("pilot:funding", allowed=EVERYONE),
    Case("pilot:meetings", allowed=EVERYONE),
    Case(
        "pilot:decision_close",
        lambda c: {"decision_id": c["decision"].pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"result": "已办结"},
        ok_status=302,
        within="town_a",
        audit=("decision_close",),
    ),
    Case("pilot:meeting_new", lambda c: {"org_id": c.town_a.pk}, allow("shi", "zhen"), within="town_a"),
    # 集体经济: the village reports, the township confirms or returns (pilot/entry_views.py)
    Case(
        "pilot:income_report",
        lambda c: {"org_id": c.a1.pk},
        allow("cun"),
        label="income_report:a1",
        within="a1",
    ),
    Case(
        "pilot:income_report",
        lambda c: {"org_id": c.b1.pk},
        allow("cun2"),
        label="income_report:b1",
        within="b1",
    ),
    Case(
        "pilot:income_report",
        lambda c: {"org_id": c.a2.pk},
        allow(),  # a2 has no secretary of its own here; the level above does not report for it
        method="post",
        data=lambda c: {"year": "2026", "income": "12"},
        ok_status=302,
        label="income_report:a2:post",
        within="a2",
    ),
    Case("pilot:income_review", allowed=EVERYONE),
    Case(
        "pilot:income_confirm",
        lambda c: {"income_id": c["income_sub"].pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"target": "10"},
        ok_status=302,
        label="income_confirm:a1",
        within="a1",
        audit=("income.confirm",),
    ),
    Case(
        "pilot:income_return",
        lambda c: {"income_id": c["income_b1"].pk},
        allow("shi"),
        method="post",
        data=lambda c: {"reason": "数字有误"},
        ok_status=302,
        label="income_return:b1",
        within="b1",
        audit=("income.return",),
    ),
    # 党建品牌: the unit writes; the level above publishes
    Case(
        "pilot:brand_new",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        label="brand_new:a1",
        within="a1",
    ),
    Case(
        "pilot:brand_edit",
        lambda c: {"brand_id": c["brand_b1"].pk},
        allow("shi", "cun2"),
        label="brand_edit:b1",
        within="b1",
    ),
    Case(
        "pilot:brand_case_add",
        lambda c: {"brand_id": c["brand_b1"].pk},
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {"title": "个案", "body": "内容"},
        ok_status=302,
        label="brand_case_add:b1",
        within="b1",
        audit=("brand.case_add",),
    ),
    Case(
        "pilot:brand_case_photo",
        lambda c: {"case_id": c["case_pub"].pk},
        EVERYONE,
        setup=_write_files,
        label="case_photo:pub",
    ),
    Case(
        "pilot:brand_case_photo",
        lambda c: {"case_id": c["case_b1"].pk},
        allow("shi", "cun2"),
        setup=_write_files,
        label="case_photo:b1",
        within="b1",
    ),
    Case(
        "pilot:pocketbook_qr",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        label="pocketbook_qr:a1",
        within="a1",
    ),
    Case(
        "pilot:pocketbook_public",
        lambda c: {"key": c["page_a1"].key},
        EVERYONE | {"anonymous"},
        label="pocketbook_public",
    ),
    Case(
        "pilot:pocketbook_public",
        lambda c: {"key": "no-such-key"},
        allow(),
        label="pocketbook_public:missing",
        within="missing",
        status={"anonymous": 404},
    ),
    Case("pilot:notices", allowed=EVERYONE),
    Case("pilot:notice_new", lambda c: {"org_id": c.town_a.pk}, allow("shi", "zhen"), within="town_a"),
    Case(
        "pilot:notice_detail",
        lambda c: {"notice_id": c["notice"].pk},
        allow("shi", "zhen", "cun", "ducha"),
        within="a1+a2",
    ),
    Case(
        "pilot:notice_attachment",
        lambda c: {"attachment_id": c["attachment"].pk},
        allow("shi", "zhen", "cun", "ducha"),
        setup=_write_files,
        within="a1+a2",
    ),
]
