"""The batch job: every unit's report, chunked, resumable, zipped per township."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import BatchStatus, FileStatus, ReportFile, TownshipArchive


def _start(small_city, django_capture_on_commit_callbacks, org=None, user="shi"):
    with django_capture_on_commit_callbacks(execute=True):
        return services.batch_start(
            actor=small_city.users[user], org=org or small_city.city, year=2023, chunk_size=2
        )


def test_batch_renders_every_unit_and_zips_per_township(small_city, django_capture_on_commit_callbacks):
    batch = _start(small_city, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.total == 3  # a1, a2, b1 (branches are not units)
    assert batch.status == BatchStatus.DONE
    assert set(ReportFile.objects.filter(batch=batch).values_list("status", flat=True)) == {FileStatus.DONE}
    arcs = {a.organization_id: a for a in TownshipArchive.objects.filter(batch=batch)}
    assert set(arcs) == {small_city.town_a.pk, small_city.town_b.pk}
    with arcs[small_city.town_a.pk].file.open("rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert sorted(names) == ["TA01-甲一村党总支.pdf", "TA02-甲二村党支部.pdf"]
    assert arcs[small_city.town_a.pk].count == 2


def test_rendering_a_file_twice_is_a_no_op(small_city, django_capture_on_commit_callbacks):
    batch = _start(small_city, django_capture_on_commit_callbacks)
    f = ReportFile.objects.filter(batch=batch).first()
    assert services.render_file(file_id=f.pk) is False
    f.refresh_from_db()
    assert f.attempts == 1


def test_a_failed_unit_does_not_stop_the_batch_and_resume_finishes_it(
    small_city, django_capture_on_commit_callbacks, monkeypatch
):
    real = services.unit_report_pdf

    def flaky(*, user, org, year):
        if org.pk == small_city.a2.pk:
            raise RuntimeError("字体加载失败")
        return real(user=user, org=org, year=year)

    monkeypatch.setattr(services, "unit_report_pdf", flaky)
    batch = _start(small_city, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    failed = ReportFile.objects.get(batch=batch, status=FileStatus.FAILED)
    assert failed.organization_id == small_city.a2.pk and "字体加载失败" in failed.error
    monkeypatch.setattr(services, "unit_report_pdf", real)
    services.batch_resume(actor=small_city.users["shi"], batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert TownshipArchive.objects.get(batch=batch, organization=small_city.town_a).count == 2


def test_sweeper_takes_over_files_of_a_dead_worker(
    small_city, django_capture_on_commit_callbacks, monkeypatch
):
    from reports import tasks

    monkeypatch.setattr(tasks.render_chunk, "delay", lambda *a, **k: None)  # the worker "dies"
    batch = _start(small_city, django_capture_on_commit_callbacks)
    ReportFile.objects.filter(batch=batch).update(
        status=FileStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_only_the_department_or_the_township_may_start_a_batch(small_city):
    with pytest.raises(PermissionDenied):
        services.batch_start(actor=small_city.users["cun"], org=small_city.a1, year=2023)
    with pytest.raises(PermissionDenied):
        services.batch_start(actor=small_city.users["zhen"], org=small_city.city, year=2023)
    assert services.batch_start(actor=small_city.users["zhen"], org=small_city.town_a, year=2023).total == 2


def test_progress_json_and_township_secretary_sees_only_their_zip(
    client, small_city, django_capture_on_commit_callbacks
):
    batch = _start(small_city, django_capture_on_commit_callbacks)
    client.force_login(small_city.users["shi"])
    p = client.get(reverse("reports:batch_progress", args=[batch.pk])).json()
    assert p["done"] == 3 and p["percent"] == 100 and p["status"] == "done"
    client.force_login(small_city.users["zhen"])
    html = client.get(reverse("reports:batch_list")).content.decode()
    assert "甲镇党委" in html and "乙镇党委" not in html
    a = TownshipArchive.objects.get(batch=batch, organization=small_city.town_a)
    b = TownshipArchive.objects.get(batch=batch, organization=small_city.town_b)
    resp = client.get(reverse("reports:archive_download", args=[a.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"PK")
    assert client.get(reverse("reports:archive_download", args=[b.pk])).status_code == 404


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_batch_runs_on_a_real_worker(small_city):
    import time

    batch = services.batch_start(actor=small_city.users["shi"], org=small_city.city, year=2023)
    for _ in range(120):
        batch.refresh_from_db()
        if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
            break
        time.sleep(0.5)
    assert batch.status == BatchStatus.DONE
    assert TownshipArchive.objects.filter(batch=batch).count() == 2
