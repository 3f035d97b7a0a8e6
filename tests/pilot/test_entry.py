"""Entry in the portal for what only the back office had: collective income (the village reports,
the township confirms), brands and typical cases (the unit writes, the level above publishes),
weekly-meeting decisions assigned to townships and units, and the pocketbook rated through a QR
link. Expected figures are worked by hand in each test."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from assessments.services import public_page_for
from branches.models import AuditEvent
from pilot import entry_services as entry
from pilot import selectors, services
from pilot.models import Brand, CollectiveIncome, Commitment, MeetingDecision

pytestmark = pytest.mark.django_db


def _png(w=800, h=600) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile("现场.png", buf.getvalue(), content_type="image/png")


# --- 村级集体经济收入 ----------------------------------------------------------------------------


def test_village_reports_township_confirms_and_only_confirmed_figures_count(small_city, client):
    c = small_city
    CollectiveIncome.objects.create(organization=c.a1, year=2025, income=Decimal("9"), target=Decimal("15"))
    client.force_login(c.users["cun"])
    resp = client.post(
        reverse("pilot:income_report", args=[c.a1.pk]), {"year": "2026", "income": "12.5", "note": "光伏"}
    )
    assert resp.status_code == 302
    row = CollectiveIncome.objects.get(organization=c.a1, year=2026)
    # the target is carried from last year (15); not counted until the township confirms
    assert (row.income, row.target, row.status, row.reported_by) == (
        Decimal("12.50"),
        Decimal("15.00"),
        "submitted",
        c.users["cun"],
    )
    assert selectors.income_summary(user=c.users["shi"], year=2026)["n"] == 0
    client.force_login(c.users["zhen"])
    page = client.get(reverse("pilot:income_review")).content.decode()
    assert c.a1.name in page and "12.50" in page
    client.post(reverse("pilot:income_confirm", args=[row.pk]), {"target": "12", "is_weak": "1"})
    row.refresh_from_db()
    assert (row.status, row.target, row.is_weak, row.confirmed_by) == (
        "confirmed",
        Decimal("12.00"),
        True,
        c.users["zhen"],
    )
    s = selectors.income_summary(user=c.users["shi"], year=2026)
    assert (s["n"], s["below"], s["weak"]) == (1, 0, 1)  # 12.5 ≥ 12: not below target
    actions = list(
        AuditEvent.objects.filter(object_id=str(row.pk), action__startswith="income.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["income.report", "income.confirm"]
    # confirmed: the village cannot change it any more
    client.force_login(c.users["cun"])
    html = client.post(
        reverse("pilot:income_report", args=[c.a1.pk]), {"year": "2026", "income": "20"}
    ).content.decode()
    assert "已由乡镇确认" in html


def test_a_returned_figure_shows_the_reason_and_can_be_reported_again(small_city, client):
    c = small_city
    row = entry.income_report(actor=c.users["cun"], organization=c.a1, year=2026, income="30")
    entry.income_return(actor=c.users["zhen"], income=row, reason="与账面不符，请核对")
    client.force_login(c.users["cun"])
    page = client.get(reverse("pilot:income_report", args=[c.a1.pk]), {"year": "2026"}).content.decode()
    assert "乡镇退回：与账面不符，请核对" in page
    entry.income_report(actor=c.users["cun"], organization=c.a1, year=2026, income="28.3")
    row.refresh_from_db()
    assert (row.status, row.income, row.return_reason) == ("submitted", Decimal("28.30"), "")


def test_bad_income_is_named_and_the_typed_value_kept(small_city, client):
    c = small_city
    client.force_login(c.users["cun"])
    resp = client.post(reverse("pilot:income_report", args=[c.a1.pk]), {"year": "2026", "income": "十二万"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "请填写以万元为单位的数字" in html and 'value="十二万"' in html
    assert not CollectiveIncome.objects.exists()
    with pytest.raises(ValidationError, match="只有村党组织"):
        entry.income_report(actor=c.users["zhen"], organization=c.town_a, year=2026, income="1")


def test_income_roles_the_township_does_not_report_and_the_village_does_not_confirm(small_city):
    c = small_city
    with pytest.raises(PermissionDenied):
        entry.income_report(actor=c.users["zhen"], organization=c.a1, year=2026, income="5")
    row = entry.income_report(actor=c.users["cun"], organization=c.a1, year=2026, income="5")
    with pytest.raises(PermissionDenied):
        entry.income_confirm(actor=c.users["cun"], income=row)
    with pytest.raises(PermissionDenied):
        entry.income_confirm(actor=c.users["cun2"], income=row)


# --- 党建品牌 -------------------------------------------------------------------------------------


def test_unit_writes_a_brand_with_a_photo_case_and_the_level_above_publishes(small_city, client):
    c = small_city
    client.force_login(c.users["cun"])
    parts = {"name": "田间党课", "kind": "village", "concept": "把党课开在田间", "theory": "群众路线",
             "method": "一月一课", "vehicle": "田间课堂", "vision": "人人讲、处处学"}  # fmt: skip
    resp = client.post(reverse("pilot:brand_new", args=[c.a1.pk]), parts)
    brand = Brand.objects.get()
    assert resp.status_code == 302 and brand.created_by == c.users["cun"] and brand.vision == "人人讲、处处学"
    client.post(
        reverse("pilot:brand_case_add", args=[brand.pk]),
        {"title": "王大爷的一堂课", "body": "……", "photo": _png(3000, 2000)},
    )
    case = brand.cases.get()
    with Image.open(case.photo.open("rb")) as im:
        assert max(im.size) <= 1280  # the display copy, re-encoded
    assert client.get(reverse("pilot:brand_case_photo", args=[case.pk]))["Content-Type"] == "image/jpeg"
    # the unit cannot publish its own brand; another township's village does not see the draft
    assert client.post(reverse("pilot:brand_publish", args=[brand.pk]), {"publish": "1"}).status_code == 403
    client.force_login(c.users["cun2"])
    assert client.get(reverse("pilot:brand_case_photo", args=[case.pk])).status_code == 404
    services.brand_publish(actor=c.users["zhen"], brand=brand)
    assert client.get(reverse("pilot:brand_case_photo", args=[case.pk])).status_code == 200
    with pytest.raises(ValidationError, match="撤回展示"):
        entry.brand_save(actor=c.users["cun"], organization=c.a1, brand=brand, name="改名")
    assert (
        AuditEvent.objects.filter(action__in=["brand.save", "brand.case_add", "brand_publish"]).count() == 3
    )


def test_a_refused_case_photo_keeps_what_was_typed(small_city, client):
    c = small_city
    brand = entry.brand_save(actor=c.users["cun"], organization=c.a1, name="红色驿站", kind="village")
    client.force_login(c.users["cun"])
    svg = SimpleUploadedFile(
        "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", content_type="image/svg+xml"
    )
    resp = client.post(
        reverse("pilot:brand_case_add", args=[brand.pk]),
        {"title": "个案一", "body": "正文内容", "photo": svg},
        follow=True,
    )
    html = resp.content.decode()
    assert "不允许上传" in html and 'value="个案一"' in html and "正文内容" in html
    assert not brand.cases.exists()


# --- 一周一例会: decisions assigned -------------------------------------------------------------


def test_city_meeting_assigns_decisions_to_a_township_and_a_village(small_city, client):
    c = small_city
    client.force_login(c.users["shi"])
    lines = "\n".join([
        "加快报送月度清单｜甲镇党委｜张明｜2026-12-10",
        "整改会议记录不全｜TA01｜李书记｜2026年12月15日",
        "本级督导｜督查组｜2026-12-20",
    ])  # fmt: skip
    resp = client.post(reverse("pilot:meeting_new", args=[c.city.pk]),
                       {"held_on": "2026-12-01", "topic": "月度推进", "decisions": lines})  # fmt: skip
    assert resp.status_code == 302
    by_org = dict(MeetingDecision.objects.values_list("content", "organization_id"))
    assert by_org == {"加快报送月度清单": c.town_a.pk, "整改会议记录不全": c.a1.pk, "本级督导": c.city.pk}
    assert AuditEvent.objects.filter(action="decision.assign").count() == 2
    client.force_login(c.users["zhen"])
    page = client.get(reverse("pilot:meetings")).content.decode()
    assert "上级交办给本单位的议定事项" in page and "加快报送月度清单" in page
    client.force_login(c.users["cun2"])
    assert "整改会议记录不全" not in client.get(reverse("pilot:meetings")).content.decode()
    client.force_login(c.users["cun"])
    d = MeetingDecision.objects.get(organization=c.a1)
    assert "整改会议记录不全" in client.get(reverse("pilot:meetings")).content.decode()
    client.post(reverse("pilot:decision_close", args=[d.pk]), {"result": "已补齐记录"})
    d.refresh_from_db()
    assert (d.status, d.result) == ("done", "已补齐记录")
    assert "整改会议记录不全" not in client.get(reverse("pilot:meetings")).content.decode()


def test_a_decision_for_a_unit_outside_the_meeting_is_refused_with_the_line(small_city, client):
    c = small_city
    client.force_login(c.users["zhen"])
    resp = client.post(reverse("pilot:meeting_new", args=[c.town_a.pk]),
                       {"held_on": "2026-12-01", "topic": "例会", "decisions": "督促｜乙一村党支部｜王｜2026-12-10"})  # fmt: skip
    html = resp.content.decode()
    assert resp.status_code == 400 and "第 1 行：责任单位“乙一村党支部”不在本级所辖范围内" in html
    assert not MeetingDecision.objects.exists()


# --- 口袋书 rated through the QR link ------------------------------------------------------------


def test_pocketbook_rated_by_members_and_the_public_once_per_device(small_city, client):
    c = small_city
    k1 = services.commitment_add(
        actor=c.users["cun"], organization=c.a1, year=2026, content="新修村道 2 公里"
    )
    k2 = services.commitment_add(
        actor=c.users["cun"], organization=c.a1, year=2026, content="集体经济过 10 万元"
    )
    url = reverse("pilot:pocketbook_public", args=[public_page_for(c.a1).key])

    def rate(values, rater="public"):
        html = client.get(url).content.decode()
        token = html.split('name="token" value="')[1].split('"')[0]
        return client.post(url, {"token": token, "rater": rater, **values}).content.decode()

    assert "新修村道" in rate({f"r{k1.pk}": "satisfied", f"r{k2.pk}": "basic"})
    client.cookies.clear()  # another villager's phone
    rate({f"r{k1.pk}": "basic"}, rater="member")
    k1.refresh_from_db(), k2.refresh_from_db()
    # k1: 满意 + 基本满意 → (1 + ½) / 2 × 100 = 75.0; k2: 基本满意 → 50.0
    assert (k1.rating, k2.rating) == (Decimal("75.0"), Decimal("50.0"))
    # the second phone may still rate k2, once; then the page says 已评价
    rate({f"r{k2.pk}": "unsatisfied"})
    assert "您已评价过这些承诺" in client.get(url).content.decode()
    k2.refresh_from_db()
    assert k2.rating == Decimal("25.0")  # (0 + ½) / 2 × 100
    assert Commitment.objects.get(pk=k1.pk).ratings.count() == 2


def test_pocketbook_rating_needs_a_choice(small_city, client):
    c = small_city
    services.commitment_add(actor=c.users["cun"], organization=c.a1, year=date.today().year, content="承诺")
    url = reverse("pilot:pocketbook_public", args=[public_page_for(c.a1).key])
    token = client.get(url).content.decode().split('name="token" value="')[1].split('"')[0]
    assert "请选择您的身份" in client.post(url, {"token": token, "rater": "public"}).content.decode()
