"""The batch job: every unit's report, chunked, resumable, zipped per township."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import BatchStatus, FileStatus, ReportBatch, ReportFile, TownshipArchive


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
    small_city, django_capture_on_commit_callbacks, monkeypatch, caplog, client
):
    real = services.unit_report_pdf

    def flaky(*, user, org, year):
        if org.pk == small_city.a2.pk:
            raise RuntimeError("cairo: font 'Noto Sans CJK' not found in /usr/share/fonts")
        return real(user=user, org=org, year=year)

    monkeypatch.setattr(services, "unit_report_pdf", flaky)
    batch = _start(small_city, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    failed = ReportFile.objects.get(batch=batch, status=FileStatus.FAILED)
    # the user reads a Chinese reason; the technical detail is in the log only
    assert failed.organization_id == small_city.a2.pk
    assert failed.error == "报告生成出错，请点击“继续”重试；仍失败请联系系统管理员查看日志。"
    logged = [r for r in caplog.records if r.levelname == "ERROR" and "rendering failed" in r.getMessage()]
    assert len(logged) == 1 and "Noto Sans CJK" in str(logged[0].exc_info[1])
    client.force_login(small_city.users["shi"])
    page = client.get(reverse("reports:batch_detail", args=[batch.pk])).content.decode()
    assert "甲二村党支部：报告生成出错，请点击“继续”重试" in page
    assert "cairo" not in page and "Noto" not in page
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


# --- faults: a batch always ends 已完成 or 部分失败 -------------------------------------------------


def _rendered_not_zipped(small_city, django_capture_on_commit_callbacks, monkeypatch):
    """A batch whose files are all rendered and whose zipper then died (killed while zipping)."""
    monkeypatch.setattr(services, "finish_if_complete", lambda **k: False)
    batch = _start(small_city, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert set(batch.files.values_list("status", flat=True)) == {FileStatus.DONE}
    return batch


def test_a_batch_killed_while_zipping_is_zipped_by_the_sweeper_and_by_continue(
    small_city, django_capture_on_commit_callbacks, monkeypatch, settings, client
):
    from reports.models import ReportBatch

    batch = _rendered_not_zipped(small_city, django_capture_on_commit_callbacks, monkeypatch)
    died = timezone.now() - timedelta(seconds=200)
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.ZIPPING, zipping_at=died, zip_lease="dead", zip_task_id="msg-1"
    )
    # a fresh zipper would be left alone; 180 s without a heartbeat is a dead one
    settings.REPORTS_ZIP_STALE_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 0
    assert services.finish_if_complete(batch_id=batch.pk) is False
    # … except for the redelivery of the message that was zipping (its worker died)
    assert services.finish_if_complete(batch_id=batch.pk, task_id="msg-1") is True
    batch.refresh_from_db()
    assert (batch.status, batch.zip_lease, batch.zipping_at) == (BatchStatus.DONE, "", None)
    assert TownshipArchive.objects.filter(batch=batch).count() == 2

    # killed again while zipping (say an older version's batch: no heartbeat at all)
    ReportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.ZIPPING, zipping_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and TownshipArchive.objects.filter(batch=batch).count() == 2

    # 继续 on the page does the same once the zipper is stale
    ReportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.ZIPPING, zipping_at=died)
    settings.REPORTS_ZIP_STALE_SECONDS = 180
    client.force_login(small_city.users["shi"])
    page = client.get(reverse("reports:batch_detail", args=[batch.pk])).content.decode()
    assert reverse("reports:batch_resume", args=[batch.pk]) in page and "打包中" in page
    resp = client.post(reverse("reports:batch_resume", args=[batch.pk]), follow=True)
    assert "正在重新打包" in resp.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_a_pdf_missing_at_zip_time_fails_its_file_and_continue_renders_it(
    small_city, django_capture_on_commit_callbacks, monkeypatch, client
):
    batch = _rendered_not_zipped(small_city, django_capture_on_commit_callbacks, monkeypatch)
    lost = ReportFile.objects.get(batch=batch, organization=small_city.a2)
    lost.file.storage.delete(lost.file.name)  # gone from storage (a disk replaced, a volume lost)

    assert services.finish_if_complete(batch_id=batch.pk) is True
    batch.refresh_from_db()
    lost.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "1 份报告未能生成" in batch.error
    assert lost.status == FileStatus.FAILED and "PDF 文件丢失" in lost.error
    assert TownshipArchive.objects.get(batch=batch, organization=small_city.town_a).count == 1

    client.force_login(small_city.users["shi"])
    page = client.get(reverse("reports:batch_detail", args=[batch.pk])).content.decode()
    assert "1 份报告未能生成" in page and "PDF 文件丢失" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:batch_resume", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (BatchStatus.DONE, "")
    assert TownshipArchive.objects.get(batch=batch, organization=small_city.town_a).count == 2


def test_a_zip_that_cannot_be_written_ends_the_batch_failed_with_a_chinese_reason(
    small_city, django_capture_on_commit_callbacks, monkeypatch
):
    batch = _rendered_not_zipped(small_city, django_capture_on_commit_callbacks, monkeypatch)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(services.tempfile, "TemporaryFile", disk_full)
    assert services.finish_if_complete(batch_id=batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "打包失败" in batch.error and "space" not in batch.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.batch_resume(actor=small_city.users["shi"], batch=batch) == 0  # zips again
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_one_active_batch_per_scope_and_year(small_city, client, monkeypatch):
    from reports import tasks

    monkeypatch.setattr(tasks.render_chunk, "delay", lambda *a, **k: None)  # stays 生成中
    shi = small_city.users["shi"]
    first = services.batch_start(actor=shi, org=small_city.city, year=2023)
    with pytest.raises(ValidationError, match="已有进行中"):
        services.batch_start(actor=shi, org=small_city.city, year=2023)
    services.batch_start(actor=shi, org=small_city.city, year=2022)  # another year is fine
    client.force_login(shi)
    resp = client.post(reverse("reports:batch_start"), {"org": small_city.city.pk, "year": 2023}, follow=True)
    assert "该范围本年度已有进行中的报告批量生成任务" in resp.content.decode()
    assert ReportBatch.objects.filter(organization=small_city.city, year=2023).count() == 1
    # the database says so too (the admin, another process)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportBatch.objects.create(organization=small_city.city, year=2023, status=BatchStatus.ZIPPING)
    first.refresh_from_db()
    assert first.status in (BatchStatus.QUEUED, BatchStatus.RUNNING)


def test_the_sweeper_sends_lost_messages_again_and_zips_a_batch_nobody_zipped(
    small_city, django_capture_on_commit_callbacks, monkeypatch
):
    from reports import tasks

    monkeypatch.setattr(tasks.render_chunk, "delay", lambda *a, **k: None)  # the broker lost them
    lost = _start(small_city, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    lost.refresh_from_db()
    assert lost.status == BatchStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 0  # just started: not stale yet
    ReportBatch.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 1
    lost.refresh_from_db()
    assert lost.status == BatchStatus.DONE

    # every file rendered, then the worker died before zipping: the batch stayed 生成中
    other = _rendered_not_zipped(small_city, django_capture_on_commit_callbacks, monkeypatch)
    ReportBatch.objects.filter(pk=lost.pk).update(status=BatchStatus.DONE)
    old = timezone.now() - timedelta(hours=1)
    ReportBatch.objects.filter(pk=other.pk).update(created_at=old)
    other.files.update(started_at=old, finished_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale() == 1
    other.refresh_from_db()
    assert other.status == BatchStatus.DONE and TownshipArchive.objects.filter(batch=other).count() == 2


def test_a_batch_that_never_moves_ends_failed_after_the_sweep_cap_and_continue_finishes_it(
    small_city, django_capture_on_commit_callbacks, monkeypatch, settings, client
):
    """Each sweep sends the batch again and nothing is ever rendered (the messages die with a
    fault that keeps coming back): after five such sweeps the batch ends 部分失败 with a Chinese
    reason and 继续, instead of being sent every five minutes for good."""
    settings.REPORTS_MAX_SWEEPS = 5
    monkeypatch.setattr(services, "enqueue_pending", lambda **k: 0)  # the start's message is lost
    batch = _start(small_city, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    old = timezone.now() - timedelta(hours=1)
    ReportBatch.objects.filter(pk=batch.pk).update(created_at=old)
    for n in range(1, 6):
        assert services.sweep_stale() == 1  # sent again (the message is lost: never executed)
        batch.refresh_from_db()
        assert (batch.status, batch.sweeps) == (BatchStatus.QUEUED, n)
    assert services.sweep_stale() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.error.startswith("多次自动重试仍未完成")
    assert services.sweep_stale() == 0  # it stays failed
    client.force_login(small_city.users["shi"])
    page = client.get(reverse("reports:batch_detail", args=[batch.pk])).content.decode()
    assert "多次自动重试仍未完成，已停止自动重试" in page and "继续生成未完成和失败的报告" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:batch_resume", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.sweeps) == (BatchStatus.DONE, 0)
    assert TownshipArchive.objects.filter(batch=batch).count() == 2


def test_a_file_rendered_between_sweeps_starts_the_count_again(small_city, django_capture_on_commit_callbacks,
                                                               monkeypatch, settings):  # fmt: skip
    settings.REPORTS_MAX_SWEEPS = 2
    monkeypatch.setattr(services, "enqueue_pending", lambda **k: 0)
    batch = _start(small_city, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    ReportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert services.sweep_stale() == 1 and services.sweep_stale() == 1
    assert ReportBatch.objects.get(pk=batch.pk).sweeps == 2
    first = batch.files.order_by("pk").first()
    assert services.render_file(file_id=first.pk) is True  # progress
    assert ReportBatch.objects.get(pk=batch.pk).sweeps == 0
    batch.files.update(
        started_at=timezone.now() - timedelta(hours=1), finished_at=timezone.now() - timedelta(hours=1)
    )
    assert services.sweep_stale() == 1  # not given up: the count started again
    assert ReportBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED


def test_the_same_message_redelivered_takes_over_a_file_at_once(small_city, django_capture_on_commit_callbacks,
                                                                 monkeypatch):  # fmt: skip
    monkeypatch.setattr(services, "enqueue_pending", lambda **k: 0)
    batch = _start(small_city, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    f = batch.files.order_by("pk").first()
    # claimed by message msg-1, whose worker then died (kill -9: nothing ran after the claim)
    ReportFile.objects.filter(pk=f.pk).update(
        status=FileStatus.RUNNING, started_at=timezone.now(), task_id="msg-1"
    )
    assert services.render_file(file_id=f.pk, task_id="msg-2") is False  # another message: hands off
    assert services.render_file(file_id=f.pk, task_id="msg-1") is True  # its redelivery: at once
    f.refresh_from_db()
    assert (f.status, f.attempts) == (FileStatus.DONE, 1)


def test_a_batch_waiting_behind_another_batch_is_not_given_up(small_city, django_capture_on_commit_callbacks,
                                                              monkeypatch, settings):  # fmt: skip
    """One reports worker renders a city's batch for half an hour; a township's batch waits its
    turn. Its sweeps are not a fault while other reports are being rendered."""
    settings.REPORTS_MAX_SWEEPS = 2
    monkeypatch.setattr(services, "enqueue_pending", lambda **k: 0)
    waiting = _start(small_city, django_capture_on_commit_callbacks, org=small_city.town_b)
    busy = _start(small_city, django_capture_on_commit_callbacks, org=small_city.town_a)
    monkeypatch.undo()
    old = timezone.now() - timedelta(hours=1)
    ReportBatch.objects.filter(pk=waiting.pk).update(created_at=old)
    ReportBatch.objects.filter(pk=busy.pk).update(created_at=old)
    busy.files.filter(pk=busy.files.order_by("pk").first().pk).update(
        status=FileStatus.DONE, started_at=timezone.now(), finished_at=timezone.now()
    )  # the worker is on the other batch right now
    for _ in range(4):
        assert services.sweep_stale() == 0  # waiting its turn: not sent again, not counted
    waiting.refresh_from_db()
    assert (waiting.status, waiting.sweeps) == (BatchStatus.QUEUED, 0)
    busy.files.update(started_at=old, finished_at=old)  # nothing moves any more: both are sent
    assert services.sweep_stale() == 2
    assert ReportBatch.objects.get(pk=waiting.pk).sweeps == 1
