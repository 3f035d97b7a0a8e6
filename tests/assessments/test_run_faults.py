"""A scoring run survives faults: a crash and resume over a changed city, database faults, a
worker that keeps dying, time limits, lost messages — and a run that did fail says why in
Chinese and can be retried from the page."""

# ruff: noqa: F811 - the scored_city fixture is shared with test_scoring.py

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from assessments import scoring, services
from assessments.models import RunFailure, RunStatus, ScoreResult, ScoreRun
from assessments.tasks import compute_run, sweep_stale_runs
from branches.models import OrgStatus
from branches.services import organization_set_status
from tests.assessments.test_scoring import _compute, scored_city  # noqa: F401 (fixture)


def _rows(run):
    return sorted(
        (r.organization_id, r.total, r.grade, r.rank_city, r.breakdown)
        for r in ScoreResult.objects.filter(run=run)
    )


def _start(chunk_size=1):
    return services.run_start(
        actor=None, period="2023Q3", kind="supervision", enqueue=False, chunk_size=chunk_size
    )


def _die_after(monkeypatch, n_chunks, exc=KeyboardInterrupt):
    """Make _write_chunk raise ``exc`` once ``n_chunks`` chunks were written (KeyboardInterrupt is
    like SIGKILL: no handler runs, the lease stays)."""
    real = scoring._write_chunk
    calls = []

    def dies(run_, lease, n, chunk, rows):
        if len(calls) == n_chunks:
            calls.append("raised")
            raise exc if isinstance(exc, BaseException) else exc()
        calls.append(n)
        real(run_, lease, n, chunk, rows)

    monkeypatch.setattr(scoring, "_write_chunk", dies)
    return real


def test_a_unit_dissolved_between_kill_and_resume_shifts_no_chunk(scored_city, monkeypatch, settings):
    c = scored_city
    expected = _rows(_compute())
    assert len(expected) == 3  # a1, a2, b1: one chunk each below
    run = _start()
    real = _die_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        scoring.run_compute(run.pk)
    monkeypatch.setattr(scoring, "_write_chunk", real)
    run.refresh_from_db()
    assert (run.chunks_done, run.chunks_total, run.subject_ids) == (2, 3, sorted([c.a1.pk, c.a2.pk, c.b1.pk]))
    # Between the kill and the resume the first unit is dissolved. Recomputing the subject list
    # would make it [a2, b1]: chunk 2 would not exist and b1 would never be scored.
    organization_set_status(actor=None, org=c.a1, status=OrgStatus.DISSOLVED)
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    assert scoring.run_compute(run.pk).status == RunStatus.DRAFT
    run.refresh_from_db()
    assert (run.attempts, run.units_total, run.chunks_done) == (2, 3, 3)
    assert _rows(run) == expected


def test_a_run_from_before_subject_lists_starts_again_from_scratch(scored_city, monkeypatch, settings):
    expected = _rows(_compute())
    run = _start()
    real = _die_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        scoring.run_compute(run.pk)
    monkeypatch.setattr(scoring, "_write_chunk", real)
    ScoreRun.objects.filter(pk=run.pk).update(subject_ids=[])  # as a run started by the old version
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    scoring.run_compute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT and ScoreResult.objects.filter(run=run).count() == 3
    assert _rows(run) == expected


def test_the_same_message_redelivered_takes_over_at_once(scored_city, monkeypatch):
    expected = _rows(_compute())
    run = _start()
    real = _die_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        scoring.run_compute(run.pk, task_id="msg-1")
    monkeypatch.setattr(scoring, "_write_chunk", real)
    # the lease is fresh: another message (a duplicate from the sweeper) leaves it alone …
    assert scoring.run_compute(run.pk, task_id="msg-2") is None
    # … but Celery's redelivery of the message whose worker died resumes it without waiting
    assert scoring.run_compute(run.pk, task_id="msg-1").status == RunStatus.DRAFT
    assert _rows(run) == expected


def test_a_database_fault_queues_the_run_again_and_the_task_retries_to_the_same_result(
    scored_city, monkeypatch
):
    expected = _rows(_compute())
    run = _start()
    real = _die_after(monkeypatch, 1, OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(scoring.TransientFault):
        scoring.run_compute(run.pk)
    run.refresh_from_db()
    # handed back, not failed; the attempt that met the fault does not count toward the cap
    assert (run.status, run.failure, run.lease, run.attempts, run.chunks_done) == (
        RunStatus.QUEUED,
        "",
        "",
        0,
        1,
    )

    # the task: two more faults (chunks 1 and 2 each fail once), retried each time, then done
    faults = iter([True, True])
    monkeypatch.setattr(scoring, "_write_chunk", real)

    def flaky(run_, lease, n, chunk, rows):
        if next(faults, False):
            raise OperationalError("the database system is starting up")
        real(run_, lease, n, chunk, rows)

    monkeypatch.setattr(scoring, "_write_chunk", flaky)
    assert compute_run.delay(run.pk).get() == RunStatus.DRAFT  # eager: retries run at once
    run.refresh_from_db()
    assert (run.status, run.failure, run.attempts) == (RunStatus.DRAFT, "", 1)
    assert _rows(run) == expected


def test_a_database_that_stays_away_leaves_the_run_queued_for_the_sweeper(scored_city, monkeypatch):
    run = _start()

    def down(*a, **k):
        raise OperationalError("connection refused")

    monkeypatch.setattr(scoring, "_write_chunk", down)
    assert compute_run.delay(run.pk).get() == "deferred"  # 1 + 8 retries, then it gives up waiting
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.failure == ""


def test_any_other_error_fails_the_run_with_a_chinese_reason_and_the_page_offers_a_retry(
    scored_city, monkeypatch, client, django_capture_on_commit_callbacks
):
    c = scored_city
    expected = _rows(_compute())
    run = _start()
    real = _die_after(
        monkeypatch, 1, ZeroDivisionError("decimal division by zero in source pilot.completion")
    )
    with pytest.raises(ZeroDivisionError):
        scoring.run_compute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.failure) == (RunStatus.FAILED, RunFailure.ERROR)
    assert "ZeroDivisionError" in run.error  # for the log and the admin

    client.force_login(c.users["shi"])
    page = client.get(reverse("assessments:run_detail", args=[run.pk])).content.decode()
    assert "计算出错，请联系系统管理员查看日志" in page
    assert "division" not in page and "ZeroDivisionError" not in page
    assert reverse("assessments:run_retry", args=[run.pk]) in page

    monkeypatch.setattr(scoring, "_write_chunk", real)
    with django_capture_on_commit_callbacks(execute=True):  # eager: computed on commit
        resp = client.post(reverse("assessments:run_retry", args=[run.pk]))
    assert resp.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.failure, run.error) == (RunStatus.DRAFT, "", "")
    assert _rows(run) == expected
    from branches.models import AuditEvent

    assert AuditEvent.objects.filter(action="score_run_retry", object_id=str(run.pk)).exists()
    # a run that did not fail cannot be retried
    resp = client.post(reverse("assessments:run_retry", args=[run.pk]), follow=True)
    assert "只有失败的计分批次可以重试" in resp.content.decode()


def test_the_soft_time_limit_fails_the_run_with_its_own_reason(scored_city, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    run = _start()
    _die_after(monkeypatch, 1, SoftTimeLimitExceeded())
    with pytest.raises(SoftTimeLimitExceeded):
        scoring.run_compute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.failure) == (RunStatus.FAILED, RunFailure.TIME_LIMIT)


def test_a_run_that_keeps_dying_fails_after_the_attempt_cap(scored_city, monkeypatch, settings):
    settings.ASSESSMENTS_RUN_MAX_ATTEMPTS = 3
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    run = _start()

    def killed(*a, **k):
        raise KeyboardInterrupt  # killed each time (say by the kernel's OOM killer), redelivered

    monkeypatch.setattr(scoring, "_write_chunk", killed)
    for _ in range(3):
        with pytest.raises(KeyboardInterrupt):
            scoring.run_compute(run.pk)
    assert scoring.run_compute(run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.failure, run.attempts) == (RunStatus.FAILED, RunFailure.ATTEMPTS, 3)
    assert sweep_stale_runs() == []  # not transient: it stays failed until someone retries it


def test_the_sweeper_requeues_lost_messages_and_transient_failures(scored_city, settings):
    expected = _rows(_compute())
    lost = _start()  # saved, but its message never reached the broker
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    assert sweep_stale_runs() == [lost.pk]  # eager: computed right away
    lost.refresh_from_db()
    assert lost.status == RunStatus.DRAFT and _rows(lost) == expected

    # a run an older version failed for a database restart (the migration marks those transient)
    old = _start()
    ScoreRun.objects.filter(pk=old.pk).update(
        status=RunStatus.FAILED,
        failure=RunFailure.TRANSIENT,
        error="OperationalError: terminating connection",
    )
    assert sweep_stale_runs() == [old.pk]
    old.refresh_from_db()
    assert old.status == RunStatus.DRAFT and _rows(old) == expected

    # … unless a newer run of the same period is active by now
    stale = ScoreRun.objects.filter(pk=lost.pk)
    stale.update(status=RunStatus.FAILED, failure=RunFailure.TRANSIENT)
    assert sweep_stale_runs() == []
    assert stale.get().status == RunStatus.FAILED


def test_a_fault_that_keeps_coming_back_ends_failed_after_the_sweep_cap_and_can_be_retried(
    scored_city, monkeypatch, settings, client, django_capture_on_commit_callbacks
):
    """A statement that always times out (``QueryCanceled`` is an OperationalError, so it looks
    transient): each delivery retries, gives up waiting and leaves the run queued; the sweeper
    sends it again — five times without progress, then the run ends 失败 for good."""
    settings.ASSESSMENTS_RUN_MAX_SWEEPS = 5
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    expected = _rows(_compute())
    run = _start()
    real = scoring._write_chunk

    def times_out(*a, **k):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(scoring, "_write_chunk", times_out)
    assert compute_run.delay(run.pk).get() == "deferred"
    for n in range(1, 6):  # eager: each sweep's message runs (and gives up) at once
        assert sweep_stale_runs() == [run.pk]
        run.refresh_from_db()
        assert (run.status, run.sweeps, run.chunks_done) == (RunStatus.QUEUED, n, 0)
    assert sweep_stale_runs() == []  # the sixth sweep gives up instead of sending it again
    run.refresh_from_db()
    assert (run.status, run.failure) == (RunStatus.FAILED, RunFailure.RECURRING)
    assert sweep_stale_runs() == []  # and it stays failed

    client.force_login(scored_city.users["shi"])
    page = client.get(reverse("assessments:run_detail", args=[run.pk])).content.decode()
    assert "多次自动重试仍未成功，已停止自动重试" in page and "timeout" not in page
    monkeypatch.setattr(scoring, "_write_chunk", real)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessments:run_retry", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.sweeps) == (RunStatus.DRAFT, 0) and _rows(run) == expected


def test_sweeps_that_end_in_progress_do_not_count_toward_the_cap(scored_city, monkeypatch, settings):
    """An outage now and then (each one costing a sweep) never fails a run that moves on between
    them: writing a chunk resets the count."""
    settings.ASSESSMENTS_RUN_MAX_SWEEPS = 2
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    expected = _rows(_compute())
    run = _start()  # three chunks
    real = scoring._write_chunk
    outage = {"on": True}

    def flaky(run_, lease, n, chunk, rows):
        if outage["on"]:
            raise OperationalError("connection refused")
        real(run_, lease, n, chunk, rows)
        outage["on"] = True  # each chunk is followed by an outage that outlasts the retries

    monkeypatch.setattr(scoring, "_write_chunk", flaky)
    assert compute_run.delay(run.pk).get() == "deferred"
    for _ in range(3):
        outage["on"] = False  # the database is back when the sweep sends it: one chunk is written
        assert sweep_stale_runs() == [run.pk]
        run.refresh_from_db()
        assert run.status in (RunStatus.QUEUED, RunStatus.DRAFT) and run.sweeps <= 1
    run.refresh_from_db()
    assert (run.status, run.chunks_done) == (RunStatus.DRAFT, 3) and _rows(run) == expected


def test_a_run_waiting_its_turn_behind_a_running_one_is_never_given_up(scored_city, monkeypatch, settings):
    """The quarter-end job starts several runs at once; one worker computes them one by one. The
    sweeper keeps sending the waiting run (its message might be lost), but while another run is
    being computed those sweeps are not a fault and do not count toward the cap."""
    from assessments import tasks

    settings.ASSESSMENTS_RUN_MAX_SWEEPS = 2
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 60
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *a: sent.append(a) or True)  # queued, not run
    busy = _start()  # 2023Q3, being computed: a fresh heartbeat
    ScoreRun.objects.filter(pk=busy.pk).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    waiting = services.run_start(actor=None, period="2023Q2", kind="supervision", enqueue=False)
    ScoreRun.objects.filter(pk=waiting.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    for _ in range(4):
        assert sweep_stale_runs() == [waiting.pk]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.sweeps, len(sent)) == (RunStatus.QUEUED, 0, 4)

    ScoreRun.objects.filter(pk=busy.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    # the other run's worker is gone too: now nothing moves, and sweeps count (both runs)
    assert sorted(sweep_stale_runs()) == sorted([busy.pk, waiting.pk])
    assert ScoreRun.objects.get(pk=waiting.pk).sweeps == 1
