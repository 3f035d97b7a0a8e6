"""Pages: status, what the user sees, query counts that do not grow, 404 across subtrees."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments import scoring, services
from assessments.models import Finding, FindingStatus, RunStatus, ScoreRun, SurveyResponse
from tests.assessments import helpers as h
from tests.factories import make_org

JUL = date(2023, 7, 1)


def _publish(period="2023Q3"):
    run = services.run_start(actor=None, period=period, kind="supervision", enqueue=False)
    scoring.run_compute(run.pk)
    return services.run_publish(actor=None, run=ScoreRun.objects.get(pk=run.pk))


@pytest.fixture
def published(small_city):
    c = small_city
    h.make_scheme()
    h.checklist(c.a1, month=JUL, accepted=3, total=4)
    h.checklist(c.b1, month=JUL, accepted=1, total=4)
    h.finding(c.a1, actor=c.users["shi"])
    _publish("2023Q2")
    _publish()
    return c


def test_secretary_sees_breakdown_with_sources_rank_and_the_change_from_last_quarter(published, client):
    c = published
    client.force_login(c.users["cun"])
    resp = client.get(reverse("assessments:unit_result", args=[c.a1.pk]), {"period": "2023Q3"})
    html = resp.content.decode()
    assert resp.status_code == 200
    # completion 40 × 3/4 = 30, satisfaction default 12, one 一般 finding (2) × 2 = −4 → 38;
    # Q2: completion 0 + satisfaction 12 = 12 → +26
    assert "38.00" in html and "任务完成率" in html
    assert f"/assessments/findings/?org={c.a1.pk}&amp;period=2023Q3" in html
    assert ">+30<" in html.replace("</span>", "<")  # completion rose from 0 (Q2) to 30 (Q3)
    assert "乡镇内排名" in html and "2023Q2" in html
    assert ">75%<" in html  # the completion rate 3/4, shown as a rate (with its counts 3 / 4)
    # the one-line answer: Q2 12 → Q3 38 (completion +30, findings −4)
    assert "比上季度（2023Q2）上升 26 分，主要来自：任务完成率 +30。" in html


def test_why_the_score_dropped_names_the_indicators_that_cost_points(published, client):
    c = published
    # Q4: no checklist items (completion 0) and a 严重 finding (3 × 2 = 6) → 0 + 12 − 6 = 6, from 38
    h.finding(
        c.a1, actor=c.users["shi"], severity="serious", on=date(2023, 11, 2), deadline=date(2023, 11, 30)
    )
    _publish("2023Q4")
    client.force_login(c.users["cun"])
    html = client.get(
        reverse("assessments:unit_result", args=[c.a1.pk]), {"period": "2023Q4"}
    ).content.decode()
    assert "比上季度（2023Q3）下降 32 分，主要因为：任务完成率 -30、督查问题 -2。" in html


def _entry(client, c, **data):
    url = reverse("assessments:entry", args=[c.a1.pk])
    return client.post(url, {"period": "2023Q3", "code": "honor", "value": "2", "note": "", **data})


def test_the_unit_files_its_self_assessment_and_the_level_above_rates(published, client):
    from assessments.models import AssessorEntry

    c = published
    client.force_login(c.users["cun"])
    page = client.get(
        reverse("assessments:unit_result", args=[c.a1.pk]), {"period": "2023Q3"}
    ).content.decode()
    assert "提交自评" in page and "录入上级评定" not in page and 'value="veto"' not in page
    assert _entry(client, c, stage="self", note="县级表彰").status_code == 302
    assert _entry(client, c, stage="superior").status_code == 403  # not the unit's to rate itself
    client.force_login(c.users["zhen"])
    page = client.get(
        reverse("assessments:unit_result", args=[c.a1.pk]), {"period": "2023Q3"}
    ).content.decode()
    assert "录入上级评定" in page and "提交自评" not in page and "县级表彰" in page
    assert _entry(client, c, stage="self").status_code == 403  # the level above does not 自评
    assert _entry(client, c, stage="superior", value="1").status_code == 302
    got = dict(AssessorEntry.objects.filter(organization=c.a1, code="honor").values_list("stage", "value"))
    assert got == {"self": 2, "superior": 1}
    page = client.get(
        reverse("assessments:unit_result", args=[c.a1.pk]), {"period": "2023Q3"}
    ).content.decode()
    assert page.count("计入") >= 1  # the superior's value is the one that counts


def test_a_refused_entry_keeps_what_was_typed_and_says_why(published, client):
    from assessments.models import AssessorEntry

    c = published
    client.force_login(c.users["cun"])
    resp = _entry(client, c, stage="self", value="两分", note="镇级表彰")
    html = resp.content.decode()
    assert resp.status_code == 400 and "数值应为数字。" in html
    assert 'value="两分"' in html and 'value="镇级表彰"' in html
    resp = _entry(client, c, stage="self", code="veto", value="1")
    assert resp.status_code == 400 and "请选择评定项目。" in resp.content.decode()
    resp = _entry(client, c, stage="self", value="-3")
    assert resp.status_code == 400 and "数值应在 0 到 1000 之间。" in resp.content.decode()
    assert not AssessorEntry.objects.filter(organization=c.a1).exists()


def test_unit_page_is_404_for_another_subtree(published, client):
    client.force_login(published.users["cun"])
    assert client.get(reverse("assessments:unit_result", args=[published.b1.pk])).status_code == 404


def test_ranking_lists_lagging_units_and_its_query_count_does_not_grow(
    published, client, django_assert_max_num_queries
):
    c = published
    client.force_login(c.users["zhen"])
    url = reverse("assessments:ranking", args=[c.town_a.pk])
    # page + count, lagging list + plans, the picker, the publication key of the page's cache
    with django_assert_max_num_queries(16):
        resp = client.get(url, {"period": "2023Q3"})
    assert "后进名单" in resp.content.decode()
    for i in range(15):
        make_org(c.town_a, name=f"新增村{i}", domain="village")
    ScoreRun.objects.filter(period="2023Q3").update(status=RunStatus.SUPERSEDED)
    _publish()
    with django_assert_max_num_queries(16):  # a new publication: the page is read again
        resp = client.get(url, {"period": "2023Q3"})
    assert resp.content.decode().count("/assessments/unit/") >= 17


def test_ranking_page_is_cached_until_the_next_publication(published, client):
    """A second look reads the cached page (fewer queries); a new published run of the period is
    shown at once (the cache key carries the latest publication)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = published
    client.force_login(c.users["zhen"])
    url = reverse("assessments:ranking", args=[c.town_a.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"period": "2023Q3"})
    with CaptureQueriesContext(connection) as second:
        html = client.get(url, {"period": "2023Q3"}).content.decode()
    assert len(second.captured_queries) <= len(first.captured_queries) - 1
    before = html.count("/assessments/unit/")
    for i in range(3):
        make_org(c.town_a, name=f"新增村{i}", domain="village")
    assert client.get(url, {"period": "2023Q3"}).content.decode().count("/assessments/unit/") == before
    ScoreRun.objects.filter(period="2023Q3").update(status=RunStatus.SUPERSEDED)
    _publish()
    after = client.get(url, {"period": "2023Q3"}).content.decode().count("/assessments/unit/")
    assert after >= before + 3  # the new units (also in the 后进 list: nothing reported)


def test_city_view_compares_townships_and_domains(published, client):
    client.force_login(published.users["shi"])
    html = client.get(reverse("assessments:city"), {"period": "2023Q3"}).content.decode()
    assert "甲镇党委" in html and "农村" in html


def test_department_starts_a_run_and_polls_its_progress(
    published, client, django_capture_on_commit_callbacks
):
    client.force_login(published.users["shi"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("assessments:run_start"), {"period": "2023Q4", "kind": "supervision"})
    run = ScoreRun.objects.get(period="2023Q4")
    assert resp.status_code == 302 and run.status == RunStatus.DRAFT  # eager Celery in tests
    data = client.get(reverse("assessments:run_progress", args=[run.pk])).json()
    assert data == {**data, "percent": 100, "done": True, "status": "draft"}
    page = client.get(reverse("assessments:run_detail", args=[run.pk])).content.decode()
    assert "js/assessments.js" in page and "<script>" not in page


def test_public_survey_one_answer_per_device_with_one_time_token(small_city, client):
    page = services.public_page_for(small_city.a1)
    url = reverse("assessments:survey", args=[page.key])
    html = client.get(url).content.decode()
    assert small_city.a1.name in html and small_city.a2.name not in html
    token = html.split('name="token" value="')[1].split('"')[0]
    # a second tab opened before answering
    token2 = client.get(url).content.decode().split('name="token" value="')[1].split('"')[0]
    resp = client.post(url, {"token": token, "rating": "satisfied", "comment": "很好"})
    assert "感谢您的评价" in resp.content.decode()
    # the same token again: refused as expired (one-time)
    assert "页面已过期" in client.post(url, {"token": token, "rating": "satisfied"}).content.decode()
    # the other tab's token from the same device: already answered this period
    assert "已经评价过" in client.post(url, {"token": token2, "rating": "unsatisfied"}).content.decode()
    # and the page now says so instead of showing the form
    assert 'name="rating"' not in client.get(url).content.decode()
    # a forged token
    assert "页面已过期" in client.post(url, {"token": "x:y:z", "rating": "basic"}).content.decode()
    assert SurveyResponse.objects.count() == 1
    r = SurveyResponse.objects.get()
    assert len(r.voter_hash) == 64 and r.comment == "很好"


def test_public_survey_rate_limit_per_address(small_city, client, settings):
    settings.ASSESSMENTS_SURVEY_RATE_PER_HOUR = 2
    page = services.public_page_for(small_city.b1)
    url = reverse("assessments:survey", args=[page.key])
    states = []
    for _ in range(3):
        client.cookies.clear()  # a "new device" each time, same address
        token = client.get(url).content.decode().split('name="token" value="')[1].split('"')[0]
        states.append(client.post(url, {"token": token, "rating": "basic"}).content.decode())
    assert "感谢" in states[0] and "感谢" in states[1] and "过于频繁" in states[2]


def test_public_unit_page_shows_duty_report_and_takes_ratings(small_city, client):
    services.duty_report_save(
        actor=small_city.users["cun"],
        organization=small_city.a1,
        year=2023,
        title="2023年述职报告",
        body="抓党建",
    )
    page = services.public_page_for(small_city.a1)
    url = reverse("assessments:public_unit", args=[page.key])
    html = client.get(url).content.decode()
    assert "2023年述职报告" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    assert (
        "感谢您的评议"
        in client.post(url, {"token": token, "rater": "public", "rating": "basic"}).content.decode()
    )


def test_rectification_answer_verify_reopen_appeal_and_history(small_city, client):
    c = small_city
    f = h.finding(c.a2, actor=c.users["ducha"], deadline=date.today() + timedelta(days=10))
    client.force_login(c.users["zhen"])  # the township answers for the village (it manages it)
    url = reverse("assessments:finding_action", args=[f.pk, "answer"])
    client.post(url, {"answer": "已补齐记录"})
    client.force_login(c.users["ducha"])
    client.post(
        reverse("assessments:finding_action", args=[f.pk, "verify"]), {"accept": "0", "note": "照片不清楚"}
    )
    f.refresh_from_db()
    assert f.status == FindingStatus.OPEN
    services.finding_answer(actor=c.users["zhen"], finding=f, answer="已重新上传")
    client.post(reverse("assessments:finding_action", args=[f.pk, "verify"]), {"accept": "1"})
    f.refresh_from_db()
    assert f.status == FindingStatus.CLOSED and f.closed_on_time
    html = client.get(reverse("assessments:finding_detail", args=[f.pk])).content.decode()
    assert "照片不清楚" in html and "已重新上传" in html
    # The history names each step in Chinese, never its code.
    assert "发现问题" in html and "核查退回" in html and "核查销号" in html
    assert " found " not in html and "· answered" not in html and "· closed" not in html


def test_appeal_for_more_time_moves_the_deadline(small_city):
    c = small_city
    f = h.finding(c.a1, actor=c.users["shi"], on=date.today(), deadline=date.today() + timedelta(days=5))
    new = date.today() + timedelta(days=30)
    a = services.appeal_file(
        actor=c.users["cun"], finding=f, reason_kind="more_time", reason="需要施工", proposed_deadline=new
    )
    services.appeal_rule(actor=c.users["zhen"], appeal=a, uphold=True, note="同意")
    f.refresh_from_db()
    assert f.deadline == new
    assert [e.action for e in f.events.all()] == ["found", "appealed", "ruled"]


def test_overdue_items_escalate_to_the_level_above_home_page(small_city, client):
    c = small_city
    f = h.finding(c.a1, actor=c.users["shi"], on=date(2023, 8, 1), deadline=date(2023, 8, 31))
    assert services.escalate_overdue() == 1 and services.escalate_overdue() == 0
    client.force_login(c.users["zhen"])  # the level above: an entry of its to-do list
    html = client.get(reverse("branches:home")).content.decode()
    assert "逾期上报" in html and reverse("assessments:finding_detail", args=[f.pk]) in html
    client.force_login(c.users["cun"])  # the unit: its own finding to rectify, not "escalated"
    html = client.get(reverse("branches:home")).content.decode()
    assert "逾期上报" not in html and "整改逾期" in html
    assert Finding.objects.get(pk=f.pk).events.filter(action="escalated").exists()


def test_inspector_records_only_on_assigned_units(small_city, client):
    c = small_city
    client.force_login(c.users["ducha"])
    resp = client.post(
        reverse("assessments:inspect", args=[c.a2.pk]),
        {"visited_on": "2023-08-02", "visit": "unannounced", "method": "onsite", "problem": "阵地未挂牌",
         "severity": "minor", "owner": "李书记", "deadline": "2023-08-20"},
    )  # fmt: skip
    assert resp.status_code == 302 and Finding.objects.filter(organization=c.a2).count() == 1
    assert client.get(reverse("assessments:inspect", args=[c.a1.pk])).status_code == 404
    bad = client.post(
        reverse("assessments:inspect", args=[c.a2.pk]), {"visited_on": "2023/13/01", "problem": "x"}
    )
    assert bad.status_code == 200 and "日期格式" in bad.content.decode()


def test_qr_page_is_a_printable_svg(small_city, client):
    client.force_login(small_city.users["cun"])
    html = client.get(reverse("assessments:qr", args=[small_city.a1.pk])).content.decode()
    assert "<svg" in html and "/assessments/s/" in html


def test_standards_self_check_then_verify_by_the_level_above(small_city, client):
    c = small_city
    items = h.village_standard(year=date.today().year)
    client.force_login(c.users["cun"])
    url = reverse("assessments:standards", args=[c.a1.pk])
    client.post(url, {"item": items[0].pk, "met": "1"})
    client.post(url, {"item": items[0].pk, "met": "1", "step": "verify"})  # cun may not verify own
    client.force_login(c.users["zhen"])
    client.post(url, {"item": items[0].pk, "met": "1", "step": "verify"})
    html = client.get(url).content.decode()
    assert "核查达标" in html


def test_unit_result_page_query_count_does_not_grow_with_data(published, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = published
    client.force_login(c.users["cun"])
    url = reverse("assessments:unit_result", args=[c.a1.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url, {"period": "2023Q3"})
    for _ in range(5):
        h.finding(c.a1, actor=c.users["shi"])
    h.survey(c.a1, ["satisfied"] * 10, date(2023, 8, 2), tag="more")
    ScoreRun.objects.filter(period="2023Q3").update(status=RunStatus.SUPERSEDED)
    _publish()
    with CaptureQueriesContext(connection) as after:
        resp = client.get(url, {"period": "2023Q3"})
    assert resp.status_code == 200 and len(after) == len(before) <= 20


def test_evidence_is_checked_by_content_and_photos_must_be_images(small_city, client):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    c = small_city
    f = h.finding(c.a1, actor=c.users["shi"], deadline=date.today() + timedelta(days=5))
    client.force_login(c.users["cun"])
    bad = SimpleUploadedFile(
        "整改.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    resp = client.post(
        reverse("assessments:finding_action", args=[f.pk, "answer"]),
        {"answer": "已整改", "evidence": bad},
        follow=True,
    )
    assert "不允许上传网页" in resp.content.decode()
    f.refresh_from_db()
    assert f.status == FindingStatus.OPEN and not f.evidence
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, format="PNG")
    client.post(reverse("assessments:finding_action", args=[f.pk, "answer"]),
                {"answer": "已整改", "evidence": SimpleUploadedFile("现场.png", buf.getvalue(), content_type="image/png")})  # fmt: skip
    f.refresh_from_db()
    assert f.status == FindingStatus.ANSWERED and f.evidence.name.endswith(".png")
    assert "现场" not in f.evidence.name  # stored under a random name


def test_an_extension_appeal_must_ask_for_a_later_deadline(published):
    from django.core.exceptions import ValidationError

    c = published
    f = Finding.objects.filter(organization=c.a1).first()
    with pytest.raises(ValidationError, match="建议期限应晚于现整改期限"):
        services.appeal_file(actor=c.users["cun"], finding=f, reason_kind="more_time", reason="需要更长时间",
                             proposed_deadline=f.deadline - timedelta(days=1))  # fmt: skip
