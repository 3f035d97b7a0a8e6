"""Uploaded files (evidence, finding photos and evidence, notice attachments) go out streamed by
the app by default, or handed to nginx with ``X-Accel-Redirect`` when
``PRIVATE_MEDIA_ACCEL_PREFIX`` is set — access checked the same way either way."""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from pilot import services as pilot_services
from pilot.models import ChecklistItem, Evidence
from tests.assessments import helpers as ah
from tests.pilot.helpers import setup_checklist

JPEG = b"\xff\xd8\xff\xe0 a stored photo"


@pytest.fixture
def evidence(small_city):
    period = setup_checklist()
    item = ChecklistItem.objects.get(organization=small_city.a1, task__code="G01", period=period)
    report = pilot_services.report_submit(
        actor=small_city.users["cun"], item=item, state="done", percent=100, narrative="完成"
    )
    name = default_storage.save("pilot/evidence/dl/现场 1.jpg", ContentFile(JPEG))
    return Evidence.objects.create(report=report, organization=small_city.a1, file=name, original_name="现场照片.jpg",
                                   kind="image", mime="image/jpeg", size=len(JPEG))  # fmt: skip


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_evidence_is_streamed_by_the_app_by_default(small_city, client, evidence, settings):
    assert settings.PRIVATE_MEDIA_ACCEL_PREFIX == ""  # the default: no proxy needed
    client.force_login(small_city.users["zhen"])  # 甲镇 sees its village's evidence
    resp = client.get(reverse("pilot:evidence", args=[evidence.pk]))
    assert resp.status_code == 200 and resp.streaming and _body(resp) == JPEG
    assert "X-Accel-Redirect" not in resp
    assert resp["Content-Type"] == "image/jpeg"
    assert resp["Content-Disposition"].startswith("inline")  # a photo is shown, not saved
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in resp["Cache-Control"]  # personal data on a shared phone


def test_evidence_is_handed_to_nginx_when_the_prefix_is_set(small_city, client, evidence, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(small_city.users["cun"])
    resp = client.get(reverse("pilot:evidence", args=[evidence.pk]))
    assert resp.status_code == 200 and not resp.streaming and resp.content == b""
    # the stored name, percent-encoded (nginx decodes it): /_protected/pilot/evidence/dl/%E7%8E%B0…
    assert resp["X-Accel-Redirect"] == "/_protected/" + quote(evidence.file.name)
    assert resp["X-Accel-Redirect"].startswith("/_protected/pilot/evidence/dl/%E7%8E%B0%E5%9C%BA%201")
    # nginx keeps these from the app's answer
    assert resp["Content-Type"] == "image/jpeg"
    assert (
        resp["Content-Disposition"].startswith("inline")
        and "filename*=utf-8''" in resp["Content-Disposition"]
    )
    assert "no-store" in resp["Cache-Control"]


@pytest.mark.parametrize("prefix", ["", "/_protected/"])
def test_evidence_out_of_scope_or_missing_is_404_either_way(small_city, client, evidence, settings, prefix):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = prefix
    url = reverse("pilot:evidence", args=[evidence.pk])
    client.force_login(small_city.users["cun2"])  # 乙一村: another township
    resp = client.get(url)
    assert resp.status_code == 404 and "X-Accel-Redirect" not in resp
    client.force_login(small_city.users["cun"])
    default_storage.delete(evidence.file.name)  # gone from storage: 404, never a 500 or a dead link
    resp = client.get(url)
    assert resp.status_code == 404 and "X-Accel-Redirect" not in resp


@pytest.mark.parametrize("prefix", ["", "/_protected/"])
def test_a_findings_evidence_and_a_notice_attachment_follow_the_setting(small_city, client, settings, prefix):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = prefix
    f = ah.finding(small_city.a2, actor=small_city.users["shi"])
    f.evidence.save("evidence.pdf", ContentFile(b"%PDF-1.4 finding"), save=True)
    notice = pilot_services.notice_send(actor=small_city.users["zhen"], sender_org=small_city.town_a, title="通知",
                                        body="正文", recipients=[small_city.a1])  # fmt: skip
    att = notice.attachments.create(
        file=default_storage.save("pilot/notices/dl/n.pdf", ContentFile(b"%PDF-1.4 notice")),
        original_name="附件.pdf", mime="application/pdf", size=15,
    )  # fmt: skip
    client.force_login(small_city.users["zhen"])
    for url, stored, body in (
        (reverse("assessments:finding_file", args=[f.pk, "evidence"]), f.evidence.name, b"%PDF-1.4 finding"),
        (reverse("pilot:notice_attachment", args=[att.pk]), att.file.name, b"%PDF-1.4 notice"),
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp["Content-Type"] == "application/pdf" and resp["Content-Disposition"].startswith(
            "attachment"
        )
        if prefix:
            assert resp["X-Accel-Redirect"] == prefix + quote(stored) and resp.content == b""
        else:
            assert "X-Accel-Redirect" not in resp and _body(resp) == body
    client.force_login(small_city.users["cun2"])
    assert client.get(reverse("assessments:finding_file", args=[f.pk, "evidence"])).status_code == 404
