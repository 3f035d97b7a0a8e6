"""A real Celery worker on Redis computes a quarter; killed half-way (SIGKILL) and restarted, the
run finishes with the same result as an undisturbed run.

Needs PostgreSQL (the worker process must see the test database) and Redis; run with
``DATABASE_URL=postgres://… REDIS_URL=redis://… CELERY_WORKER_TESTS=1 pytest -m celery_worker``.
Our worker listens on its own queue, so CI's default-queue worker never takes these tasks.
"""

import os
import signal
import subprocess
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from assessments import scoring, services
from assessments.models import RunStatus, ScoreResult, ScoreRun
from tests.assessments import helpers as h
from tests.factories import make_org

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str) -> subprocess.Popen:
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "ASSESSMENTS_CHUNK_DELAY": "0.4",
        "ASSESSMENTS_RUN_STALE_SECONDS": "2",
    }
    if s.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f"{s['USER']}@", f"{s['USER']}:{s['PASSWORD']}@")
    cmd = [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--concurrency", "1", "-Q", queue,
           "-n", f"{queue}@%h", "--loglevel", "WARNING", "--without-mingle", "--without-gossip"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def _set_routes(app, routes) -> None:
    """Route tasks elsewhere for this test: both spellings (the CELERY_ settings key wins over
    the plain one), and the router Celery caches built again."""
    app.conf.update(task_routes=routes, CELERY_TASK_ROUTES=routes)
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _wait(pred, timeout=90, what=""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _rows(run):
    return sorted(
        (r.organization_id, r.total, r.grade, r.rank_city, r.breakdown)
        for r in ScoreResult.objects.filter(run=run)
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_killed_worker_resumes_and_matches_an_undisturbed_run(small_city, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared PostgreSQL test database")
    from config.celery import app

    c = small_city
    h.make_scheme()
    extra = [make_org(c.town_b, name=f"乙镇第{i}村党支部", domain="village") for i in range(10)]
    for i, org in enumerate([c.a1, c.a2, c.b1, *extra]):
        h.checklist(org, month=date(2023, 7, 1), accepted=i % 4, total=4)
    h.finding(c.b1, actor=c.users["shi"], severity="serious")

    undisturbed = services.run_start(
        actor=None, period="2023Q3", kind="supervision", enqueue=False, chunk_size=1
    )
    expected = _rows(scoring.run_compute(undisturbed.pk))
    assert len(expected) == 13

    queue = f"assess-test-{uuid.uuid4().hex[:8]}"
    old_routes = app.conf.task_routes
    routes = {"assessments.*": {"queue": queue}}
    _set_routes(app, routes)
    worker = _start_worker(queue)
    try:
        run = services.run_start(
            actor=None, period="2023Q3", kind="supervision", chunk_size=1
        )  # enqueued on commit
        _wait(lambda: ScoreRun.objects.get(pk=run.pk).chunks_done >= 4, what="the first chunks")
        _kill(worker)
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and 4 <= run.chunks_done < run.chunks_total == 13
        killed_at = run.chunks_done

        settings.ASSESSMENTS_RUN_STALE_SECONDS = 2
        time.sleep(2.5)
        from assessments.tasks import sweep_stale_runs

        assert sweep_stale_runs() == [run.pk]  # back on our queue
        worker = _start_worker(queue)
        _wait(lambda: ScoreRun.objects.get(pk=run.pk).status == RunStatus.DRAFT, what="the resumed run")
        run.refresh_from_db()
        assert run.attempts == 2 and run.chunks_done == 13
        assert _rows(run) == expected
        assert killed_at < 13  # it really was killed half-way
    finally:
        _kill(worker)
        _set_routes(app, old_routes)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
