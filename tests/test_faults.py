"""The fault suite (issue 14): real Celery workers on a private Redis (AOF on) and the PostgreSQL
test database, disturbed as production would be — a worker killed with ``kill -9`` mid-run, mid-
batch and mid-zip, Redis restarted with jobs queued and dropped while a task runs, the worker's
PostgreSQL connection terminated mid-run. Each time every job finishes exactly once with the same
figures as an undisturbed (eager) run, and nothing stays 排队中/计算中/生成中/打包中.

Recovery is the production mechanism each time: Celery's redelivery (``acks_late`` +
``reject_on_worker_lost``, same task id) when a pool process dies; the sweepers (beat, every
minute — called here directly) when the whole worker died with its message unacknowledged; the
task's own retry after a database fault. The dead worker's unacknowledged message, which Redis
hands out again after the visibility timeout, is restored at the end and must change nothing.

Run by .ci/run's PostgreSQL pass (``CELERY_WORKER_TESTS=1``); each wait is bounded.
"""

from __future__ import annotations

import io
import signal
import subprocess
import time
import zipfile
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.db import connection

from assessments import scoring
from assessments import services as assessment_services
from assessments.models import RunStatus, ScoreResult, ScoreRun
from assessments.tasks import sweep_stale_runs
from reports import services as report_services
from reports.models import ACTIVE_BATCH_STATUSES, BatchStatus, FileStatus, ReportBatch, ReportFile
from tests import faults
from tests.assessments import helpers as h
from tests.factories import make_org

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "ASSESSMENTS_CHUNK_DELAY": "0.4",  # room to kill a worker between chunks
    "ASSESSMENTS_RUN_STALE_SECONDS": "2",
    "REPORTS_ZIP_STALE_SECONDS": "2",
}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    r = faults.Redis(tmp_path_factory.mktemp("redis"))
    r.start()
    yield r
    r.stop()


@pytest.fixture
def broker(redis_server, settings):
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 2  # the sweeper, as the workers see staleness
    settings.REPORTS_ZIP_STALE_SECONDS = 2
    if connection.vendor != "postgresql":
        pytest.skip("the workers need a shared PostgreSQL test database")
    if not redis_server.ping():
        redis_server.start()
    redis_server.client().flushall()  # our own server: nothing of another test is left
    old = faults.point_app_at(redis_server.url)
    yield redis_server
    faults.restore_app(old)


@pytest.fixture
def workers(broker, tmp_path, settings):
    started: list[faults.Worker] = []

    def start(**env) -> faults.Worker:
        env = {**WORKER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT), **env}  # this test's media
        w = faults.Worker(broker, tmp_path, **env).start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.kill()
    for w in started:  # shown when the test failed
        print(f"--- {w.name} log ---\n{w.tail()}")


@pytest.fixture
def scene(small_city):
    """13 villages to score (one chunk each), two to report on (甲镇: one township zip)."""
    c = small_city
    h.make_scheme()
    extra = [make_org(c.town_b, name=f"乙镇第{i}村党支部", domain="village") for i in range(10)]
    for i, org in enumerate([c.a1, c.a2, c.b1, *extra]):
        h.checklist(org, month=date(2023, 7, 1), accepted=i % 4, total=4)
    h.finding(c.b1, actor=c.users["shi"], severity="serious")
    return c


@contextmanager
def eager():
    from config.celery import app

    app.conf.update(task_always_eager=True, CELERY_TASK_ALWAYS_EAGER=True)
    try:
        yield
    finally:
        app.conf.update(task_always_eager=False, CELERY_TASK_ALWAYS_EAGER=False)


# --- figures of a run and a batch -------------------------------------------------------------------


def _rows(run) -> list[tuple]:
    return sorted(
        (r.organization_id, r.total, r.grade, r.rank_city, r.breakdown)
        for r in ScoreResult.objects.filter(run=run)
    )


def undisturbed_rows() -> list[tuple]:
    run = assessment_services.run_start(
        actor=None, period="2023Q3", kind="supervision", enqueue=False, chunk_size=1
    )
    rows = _rows(scoring.run_compute(run.pk))
    assert len(rows) == 13
    return rows


def start_run(chunk_size=1) -> ScoreRun:
    """Started as a page starts it: saved, then sent to the broker on commit."""
    return assessment_services.run_start(
        actor=None, period="2023Q3", kind="supervision", chunk_size=chunk_size
    )


def start_batch(c, chunk_size=1) -> ReportBatch:
    return report_services.batch_start(actor=c.users["shi"], org=c.town_a, year=2023, chunk_size=chunk_size)


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, timeout=30, check=True
    )
    return out.stdout.decode()


def archive_texts(batch) -> dict[str, str]:
    """Every zipped report's text, by its name in the township's zip (the PDF bytes carry a
    creation time; their text carries the figures)."""
    texts = {}
    for arc in batch.archives.all():
        with arc.file.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as zf:
            for name in zf.namelist():
                texts[f"{arc.organization_id}/{name}"] = _pdf_text(zf.read(name))
    return texts


def undisturbed_texts(c) -> dict[str, str]:
    with eager():
        batch = start_batch(c)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    texts = archive_texts(batch)
    assert len(texts) == 2 and all("甲" in t for t in texts.values())
    return texts


def assert_nothing_left_running():
    assert not ScoreRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
    assert not ReportBatch.objects.filter(status__in=ACTIVE_BATCH_STATUSES).exists()
    assert not ReportFile.objects.filter(status__in=[FileStatus.PENDING, FileStatus.RUNNING]).exists()


def assert_batch_done_once(batch, expected_texts):
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (BatchStatus.DONE, "")
    files = list(batch.files.values_list("status", "attempts"))
    assert files == [(FileStatus.DONE, 1)] * 2  # each report rendered and stored once
    assert batch.archives.count() == 1
    assert archive_texts(batch) == expected_texts


def status_of(obj):
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def sweep_runs_until_sent(run_id: int, timeout=20) -> None:
    """Beat's sweeper, every half second here instead of every minute, until it sends the run."""
    faults.wait_for(lambda: sweep_stale_runs() == [run_id], timeout=timeout, every=0.5,
                    what="the sweeper to find the abandoned run")  # fmt: skip


def drain_orphans(redis) -> int:
    """Hand out the dead workers' unacknowledged messages again (the visibility timeout, an hour
    in production, is up) and wait until the live worker consumed them."""
    n = faults.restore_orphaned_messages(redis)
    cli = redis.client()

    def empty():
        queued = sum(cli.llen(q) for q in ("celery", "scoring", "reports"))
        return queued == 0 and cli.zcard("unacked_index") == 0

    faults.wait_for(empty, timeout=30, what="the restored messages to be consumed")
    return n


# --- a worker killed with kill -9 -------------------------------------------------------------------


def test_a_scoring_run_killed_twice_with_kill_9_finishes_once_with_the_undisturbed_figures(
    scene, broker, workers
):
    expected = undisturbed_rows()
    w = workers()
    run = start_run()
    faults.wait_for(
        lambda: ScoreRun.objects.get(pk=run.pk).chunks_done >= 3, timeout=60, what="the first chunks"
    )

    # 1. the pool process dies (the kernel's OOM killer): Celery puts the message back at once and
    #    the same worker takes the run over — the same task id lets it in without any sweeper
    w.kill_child()
    faults.wait_for(
        lambda: ScoreRun.objects.filter(pk=run.pk, attempts=2, chunks_done__gte=6).exists(),
        timeout=30, what="the redelivered message to resume the run",
    )  # fmt: skip
    assert w.alive

    # 2. the whole worker dies (kill -9 of every process): its message stays unacknowledged in
    #    Redis; a new worker and the sweeper (stale heartbeat) take the run over
    w.kill()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and 6 <= run.chunks_done < 13
    workers()
    sweep_runs_until_sent(run.pk)
    faults.wait_for(lambda: status_of(run) == RunStatus.DRAFT, timeout=60, what="the run to finish")
    run.refresh_from_db()
    assert (run.attempts, run.chunks_done, run.failure) == (3, 13, "")
    assert _rows(run) == expected
    assert ScoreResult.objects.filter(run=run).count() == 13

    # 3. an hour later Redis hands out the dead worker's message again: nothing happens twice
    assert drain_orphans(broker) == 1
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.DRAFT, 3) and _rows(run) == expected
    assert_nothing_left_running()


def test_a_report_batch_killed_mid_batch_and_mid_zip_finishes_once_with_the_same_reports(
    scene, broker, workers
):
    expected = undisturbed_texts(scene)
    w = workers(REPORTS_ZIP_DELAY="2")
    batch = start_batch(scene)  # two reports, one message each

    def rendering():
        return batch.files.filter(status=FileStatus.RUNNING).exists()

    # 1. kill -9 of the whole worker while it renders: its message dies unacknowledged with it;
    #    the sweeper hands the file back and sends the unfinished reports to a new worker
    faults.wait_for(rendering, timeout=90, what="the first report")
    w.kill()
    assert status_of(batch) == BatchStatus.RUNNING
    w2 = workers(REPORTS_ZIP_DELAY="2")
    assert report_services.sweep_stale(older_than=timedelta(0)) == 1

    # 2. the new worker's pool process dies while it renders (the kernel's OOM killer): the same
    #    message comes back at once and takes the file over by its task id, no sweeper needed
    faults.wait_for(rendering, timeout=90, what="rendering on the new worker")
    w2.kill_child()
    assert status_of(batch) == BatchStatus.RUNNING

    # 3. … and again while it zips: the redelivered message takes the zipping over at once (no
    #    waiting for the zip heartbeat to go stale)
    faults.wait_for(lambda: status_of(batch) == BatchStatus.ZIPPING, timeout=90, what="zipping")
    w2.kill_child()
    t0 = time.monotonic()
    faults.wait_for(lambda: status_of(batch) == BatchStatus.DONE, timeout=60, what="the batch to finish")
    assert time.monotonic() - t0 < 30 and w2.alive
    assert_batch_done_once(batch, expected)

    assert drain_orphans(broker) >= 1  # the first worker's messages, an hour later
    assert_batch_done_once(batch, expected)
    assert_nothing_left_running()


# --- Redis restarted, Redis dropped -----------------------------------------------------------------


def test_jobs_queued_when_redis_restarts_are_done_once_after_it(scene, broker, workers):
    """AOF on, as in production: the queued messages survive the restart."""
    expected, expected_texts = undisturbed_rows(), undisturbed_texts(scene)
    run, batch = start_run(chunk_size=4), start_batch(scene)  # no worker yet: they wait in Redis
    cli = broker.client()
    assert (cli.llen("scoring"), cli.llen("reports")) == (1, 2)
    broker.restart(down_for=0.5)
    assert (cli.llen("scoring"), cli.llen("reports")) == (1, 2)

    workers(ASSESSMENTS_CHUNK_DELAY="0")
    faults.wait_for(lambda: status_of(run) == RunStatus.DRAFT and status_of(batch) == BatchStatus.DONE,
                    timeout=120, what="both jobs")  # fmt: skip
    run.refresh_from_db()
    assert (run.attempts, run.failure) == (1, "") and _rows(run) == expected
    assert_batch_done_once(batch, expected_texts)
    assert_nothing_left_running()


def test_the_pinned_worker_survives_redis_dying_mid_task_and_keeps_consuming(scene, broker, workers):
    """celery 5.6.3 / kombu 5.6.2 (requirements.lock): Redis killed on the spot while a run is being
    computed, back two seconds later. The worker reconnects (5.7.0 exited in restore_unacked),
    the run finishes once with the undisturbed figures, and a job sent afterwards is consumed."""
    import celery
    import kombu

    assert (celery.__version__, kombu.__version__) == ("5.6.3", "5.6.2")
    from branches.models import Heartbeat
    from branches.tasks import heartbeat
    from config.jobs import enqueue

    expected = undisturbed_rows()
    w = workers()
    run = start_run()
    faults.wait_for(
        lambda: ScoreRun.objects.get(pk=run.pk).chunks_done >= 2, timeout=60, what="the first chunks"
    )
    broker.restart(down_for=2, sig=signal.SIGKILL)
    assert ScoreRun.objects.get(pk=run.pk).chunks_done < 13  # it really was mid-task
    faults.wait_for(lambda: status_of(run) == RunStatus.DRAFT, timeout=60, what="the run to finish")
    assert w.alive, w.tail()
    run.refresh_from_db()
    assert run.failure == "" and _rows(run) == expected

    faults.point_app_at(broker.url)  # the test process's own pooled connection died with Redis
    sent_at = time.time()
    assert enqueue(heartbeat)
    faults.wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), timeout=30,
                    what="the worker to consume a job sent after the drop")  # fmt: skip
    assert Heartbeat.objects.get(name="worker").at.timestamp() >= sent_at - 1
    assert w.alive
    drain_orphans(broker)
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT and _rows(run) == expected
    assert_nothing_left_running()


# --- PostgreSQL ------------------------------------------------------------------------------------


def _terminate_our_workers_connections() -> int:
    """Drop our workers' connections (named by application_name): what a restart of PostgreSQL
    does to a worker, without restarting the server others share or touching CI's worker."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE %s",
            ["faults%"],
        )
        return cur.fetchone()[0]


def test_the_workers_database_connection_dropped_mid_run_and_mid_batch(scene, broker, workers):
    expected, expected_texts = undisturbed_rows(), undisturbed_texts(scene)
    workers()
    run = start_run()
    faults.wait_for(
        lambda: ScoreRun.objects.get(pk=run.pk).chunks_done >= 3, timeout=60, what="the first chunks"
    )
    assert _terminate_our_workers_connections() >= 1
    faults.wait_for(lambda: status_of(run) == RunStatus.DRAFT, timeout=60, what="the run to finish")
    run.refresh_from_db()
    # a database fault is retried (with backoff), never counted as an attempt nor ended 失败
    assert (run.attempts, run.failure, run.chunks_done) == (1, "", 13)
    assert _rows(run) == expected

    batch = start_batch(scene, chunk_size=2)  # one message renders both reports
    faults.wait_for(lambda: batch.files.filter(status=FileStatus.RUNNING).exists(), timeout=60,
                    what="rendering to start")  # fmt: skip
    assert _terminate_our_workers_connections() >= 1
    faults.wait_for(lambda: status_of(batch) == BatchStatus.DONE, timeout=90, what="the batch to finish")
    assert_batch_done_once(batch, expected_texts)
    assert_nothing_left_running()
