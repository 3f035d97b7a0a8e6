"""The phone report page: done + a camera photo needs no typing; refused files are named (JSON for the script)."""

from django.urls import reverse

from pilot.models import ChecklistItem, ItemStatus, ProgressReport

from .helpers import exe_upload, jpeg_upload


def _item(city, org, code="G01"):
    return ChecklistItem.objects.get(organization=org, task__code=code, period=city["period"])


def test_report_page_offers_the_camera_and_a_one_tap_done(client, pilot_city, django_assert_max_num_queries):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    with django_assert_max_num_queries(20):
        html = client.get(reverse("pilot:item_detail", args=[item.pk])).content.decode()
    assert 'name="photos"' in html and 'accept="image/*"' in html and 'capture="environment"' in html
    assert "data-quick-done" in html and "已完成，拍照上传" in html
    assert "js/report.js" in html


def test_done_with_a_photo_needs_no_narrative(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    resp = client.post(
        reverse("pilot:item_report", args=[item.pk]),
        {"state": "done", "percent": "0", "idempotency_key": "k1", "photos": jpeg_upload("IMG_0001.jpg")},
    )
    assert resp.status_code == 302
    report = ProgressReport.objects.get(item=item)
    assert report.narrative == "已完成，见所附照片。" and report.percent == 100
    assert report.evidence.get().original_name == "IMG_0001.jpg"
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED


def test_not_done_or_no_photo_still_asks_for_a_few_words(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    url = reverse("pilot:item_report", args=[item.pk])
    for data in ({"state": "in_progress", "percent": "50", "photos": jpeg_upload()}, {"state": "done"}):
        resp = client.post(url, data)
        html = resp.content.decode()
        assert resp.status_code == 400
        # named at the top of the page, before the title
        top = html.index('id="report-errors"')
        assert top < html.index('class="page-title"')
        assert "工作简述：请写几句工作简述" in html[top : html.index('class="page-title"')]
    assert not ProgressReport.objects.exists()


def test_script_gets_the_refused_file_named_and_can_resend_the_others(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    url = reverse("pilot:item_report", args=[item.pk])
    resp = client.post(
        url,
        {"state": "done", "idempotency_key": "k2", "photos": [jpeg_upload("a.jpg"), exe_upload("b.jpg")]},
        headers={"Accept": "application/json"},
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["ok"] is False and body["refused"] == ["b.jpg"]
    assert any("“b.jpg”" in e and "不符" in e for e in body["errors"])
    assert not ProgressReport.objects.exists()
    resp = client.post(
        url, {"state": "done", "idempotency_key": "k2", "photos": [jpeg_upload("a.jpg")]},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert resp.status_code == 200, resp.content.decode()
    assert resp.json() == {
        "ok": True,
        "redirect": reverse("pilot:item_detail", args=[item.pk]),
        "message": "已报送“支部主题党日”，等待上级审核。",
    }
    # the outbox replays a submission whose answer was lost: the same key makes no second report
    again = client.post(url, {"state": "done", "idempotency_key": "k2", "photos": [jpeg_upload("a.jpg")]},
                        headers={"Accept": "application/json"})  # fmt: skip
    assert again.status_code == 200 and ProgressReport.objects.filter(item=item).count() == 1


def test_more_than_six_files_in_both_fields_is_refused(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    client.force_login(pilot_city.users["cun"])
    resp = client.post(
        reverse("pilot:item_report", args=[item.pk]),
        {"state": "done", "photos": [jpeg_upload(f"p{i}.jpg") for i in range(4)],
         "evidence": [jpeg_upload(f"e{i}.jpg") for i in range(3)]},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert resp.status_code == 400 and "一次最多上传 6 个文件。" in resp.json()["errors"]


def test_other_subtree_and_township_get_404_and_403_as_json_too(client, pilot_city):
    item = _item(pilot_city, pilot_city.a1)
    url = reverse("pilot:item_report", args=[item.pk])
    data = {"state": "done", "narrative": "x"}
    client.force_login(pilot_city.users["cun2"])
    assert client.post(url, data, headers={"Accept": "application/json"}).status_code == 404
    client.force_login(pilot_city.users["zhen"])
    assert client.post(url, data, headers={"Accept": "application/json"}).status_code == 403
    assert not ProgressReport.objects.exists()
