"""Celery: eager in process by default; a real round trip through Redis to a worker in CI."""

import os

import pytest

from branches.tasks import ping


def test_tasks_run_eagerly_without_a_broker(db):
    from config.celery import app

    assert app.conf.task_always_eager is True
    assert ping.delay(21).get(timeout=5)["value"] == 42


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_round_trip_through_a_real_worker(small_city):
    """The answer is computed in the worker process, from the same database the test wrote."""
    from config.celery import app

    assert not app.conf.task_always_eager
    assert os.environ.get("REDIS_URL"), "the worker test runs against Redis"
    result = ping.apply_async(args=[21])
    answer = result.get(timeout=60)
    assert answer == {"value": 42, "organizations": 8}
