"""Operations: the cache is optional, enqueueing fails fast, the cache keeps off the broker's
database. Redis "down" here is a port nobody listens on (nothing shared is stopped)."""

import re
import socket
import time

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import RunStatus, ScoreRun
from tests.assessments import helpers as h


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now: connections are refused at once
    return port


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/1",
            "KEY_PREFIX": "pbcache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "RETRY_AFTER": 10},
        }
    }
    from django.core.cache import cache

    return cache


def test_the_cache_falls_back_to_memory_while_redis_is_down(redis_down):
    cache = redis_down
    t0 = time.monotonic()
    assert cache.get("missing", "default") == "default"
    assert cache.add("k", 0, 60) is True and cache.add("k", 0, 60) is False  # one-time tokens still hold
    assert cache.incr("k") == 1 and cache.incr("k") == 2  # rate limits count per process
    cache.set("figure", {"a": 1}, 60)
    assert cache.get("figure") == {"a": 1}
    assert cache.clear() is False  # Redis not reachable: only the memory side was cleared
    assert cache.get("figure") is None
    assert time.monotonic() - t0 < 2  # one refused connection, then memory until RETRY_AFTER


def test_pages_and_the_public_survey_answer_while_redis_is_down(small_city, client, redis_down):
    client.force_login(small_city.users["cun"])
    t0 = time.monotonic()
    assert client.get(reverse("branches:home")).status_code == 200
    client.force_login(small_city.users["shi"])
    assert client.get(reverse("branches:home")).status_code == 200
    page = assessment_services.public_page_for(small_city.a1)
    url = reverse("assessments:survey", args=[page.key])
    html = client.get(url).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    resp = client.post(url, {"token": token, "rating": "satisfied"})
    assert resp.status_code == 200 and "感谢您的评价" in resp.content.decode()
    assert "页面已过期" in client.post(url, {"token": token, "rating": "satisfied"}).content.decode()
    assert time.monotonic() - t0 < 10


def test_the_cache_uses_the_database_after_the_brokers():
    from config.settings import _cache_url

    assert _cache_url("redis://redis:6379/0") == "redis://redis:6379/1"
    assert _cache_url("redis://:secret@127.0.0.1:6379/2") == "redis://:secret@127.0.0.1:6379/3"
    assert _cache_url("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/14"  # there is no 16
    assert _cache_url("redis://127.0.0.1:6379") == "redis://127.0.0.1:6379/1"


def test_clear_deletes_only_the_caches_own_keys(settings):
    """On a real Redis (CI's PostgreSQL pass): clear() never FLUSHDBs a database it may share."""
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    from config.settings import _cache_url

    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": _cache_url(url),
            "KEY_PREFIX": "pbcache",
        }
    }
    import redis
    from django.core.cache import cache

    raw = redis.Redis.from_url(_cache_url(url))
    raw.set("someone-else:key", "1")
    try:
        cache.set("mine", 1)
        assert cache.clear() is True
        assert cache.get("mine") is None and raw.get("someone-else:key") == b"1"
    finally:
        raw.delete("someone-else:key")


def test_enqueueing_fails_fast_when_the_broker_is_unreachable():
    from celery import Celery

    from config.jobs import enqueue

    app = Celery("fail-fast")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    # both spellings: the CELERY_ settings key wins over the plain one
    app.conf.update(broker_url=closed, CELERY_BROKER_URL=closed, task_always_eager=False,
                    CELERY_TASK_ALWAYS_EAGER=False)  # fmt: skip
    assert app.conf.broker_url == closed and not app.conf.task_always_eager
    t0 = time.monotonic()

    @app.task(name="ops.noop")
    def noop():
        return 1

    assert enqueue(noop) is False
    assert time.monotonic() - t0 < 3  # was 19 s with the client's defaults


@pytest.mark.django_db(transaction=True)  # the job is sent on commit, inside the request
def test_a_run_started_while_the_broker_is_down_is_saved_and_queued_later(
    small_city, client, monkeypatch, settings
):
    from kombu.exceptions import OperationalError

    from assessments import tasks

    h.make_scheme()

    def broker_down(*a, **k):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.compute_run, "delay", broker_down)
    client.force_login(small_city.users["shi"])
    resp = client.post(reverse("assessments:run_start"), {"period": "2023Q3", "kind": "supervision"})
    assert resp.status_code == 302
    page = client.get(resp["Location"]).content.decode()
    assert "已保存，稍后自动排队" in page
    run = ScoreRun.objects.get(period="2023Q3")
    assert run.status == RunStatus.QUEUED
    monkeypatch.undo()
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    assert tasks.sweep_stale_runs() == [run.pk]  # the broker is back: the sweeper sends it
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT


# --- /healthz/ ----------------------------------------------------------------------------------


def test_healthz_answers_any_host_without_the_ssl_redirect_and_holds_only_statuses(db, client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from branches.models import Heartbeat
    from branches.tasks import heartbeat

    settings.ALLOWED_HOSTS = ["dangjian.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # the host check is on …
    resp = client.get("/healthz/", HTTP_HOST="localhost")  # … but not for the healthcheck
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    body = resp.json()
    assert set(body) == {"status", "database", "cache", "broker", "worker", "heartbeat_age_seconds"}
    assert body["database"] == "ok"
    assert all(isinstance(v, str) for k, v in body.items() if k != "heartbeat_age_seconds")

    # with a broker (as in production): the worker status follows the heartbeat's age
    from config import health

    health_broker = health.check_broker
    health.check_broker = lambda: "ok"
    try:
        assert client.get("/healthz/").json()["worker"] == "unknown"
        heartbeat.delay()  # eager here: what the worker does every minute
        body = client.get("/healthz/").json()
        assert (body["worker"], body["heartbeat_age_seconds"]) == ("ok", 0)
        Heartbeat.objects.filter(name="worker").update(at=timezone.now() - timedelta(minutes=6))
        body = client.get("/healthz/").json()
        assert (body["status"], body["worker"]) == ("degraded", "stale") and body[
            "heartbeat_age_seconds"
        ] >= 360
    finally:
        health.check_broker = health_broker


def test_healthz_is_503_without_the_database_and_degraded_without_redis(db, client, monkeypatch, redis_down):
    from config import health

    resp = client.get("/healthz/")
    assert resp.status_code == 200  # pages still answer without Redis
    assert (resp.json()["status"], resp.json()["cache"]) == ("degraded", "degraded")
    monkeypatch.setattr(health, "check_database", lambda: "error")
    resp = client.get("/healthz/")
    assert resp.status_code == 503 and resp.json()["status"] == "error"


def test_healthcheck_command_exit_codes(db, monkeypatch):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from branches.models import Heartbeat
    from config import health

    call_command("healthcheck")  # embedded: database ok, tasks eager → 0
    monkeypatch.setattr(health, "check_broker", lambda: "ok")
    with pytest.raises(SystemExit) as e:
        call_command("healthcheck", heartbeat_max_age=300)  # never recorded
    assert e.value.code == 1
    Heartbeat.objects.create(name="worker", at=timezone.now() - timedelta(seconds=30))
    call_command("healthcheck", heartbeat_max_age=300)
    monkeypatch.setattr(health, "check_database", lambda: "error")
    with pytest.raises(SystemExit):
        call_command("healthcheck")


# --- structured logs ----------------------------------------------------------------------------


def test_log_lines_carry_time_level_logger_request_and_user_and_mask_id_numbers(
    small_city, client, monkeypatch
):
    import logging

    from config.logs import ContextFilter, StructuredFormatter

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Keep()
    handler.addFilter(ContextFilter())
    handler.setFormatter(StructuredFormatter())
    logger = logging.getLogger("branches.views")
    logger.addHandler(handler)
    try:
        from django.http import HttpResponse
        from django.test import RequestFactory

        from config.logs import RequestIdMiddleware

        def view(request):
            try:
                raise ValueError("bad row 110101199003074578")
            except ValueError:
                logger.exception("import of 11010119900307457X failed")
            return HttpResponse("ok")

        request = RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-req-123456")
        request._cached_user = small_city.users["cun"]  # what AuthenticationMiddleware leaves behind
        resp = RequestIdMiddleware(view)(request)
    finally:
        logger.removeHandler(handler)
    assert resp["X-Request-ID"] == "proxy-req-123456"
    assert len(lines) == 1, lines
    line = lines[0]
    # 2026-12-01T18:22:32.200+08:00 level=ERROR logger=branches.views request=… user=… task=- msg="…"
    assert re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d level=ERROR logger=branches.views ", line
    )
    assert "request=proxy-req-123456" in line and f"user={small_city.users['cun'].pk}" in line
    assert "110101199003074578" not in line and "11010119900307457X" not in line  # message and traceback
    assert "1101**********4578" in line and "1101**********457X" in line
    assert "\n" not in line  # one line per record, the traceback escaped inside msg


def test_a_made_up_request_id_replaces_an_insane_one(db, client):
    resp = client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>")
    assert re.fullmatch(r"[0-9a-f]{16}", resp["X-Request-ID"])


# --- admin exports --------------------------------------------------------------------------------


def test_admin_exports_xlsx_and_csv_only_the_csv_with_a_bom(small_city, client):
    import tablib
    from django.contrib import admin

    from branches.admin_mixins import ExcelCSV, LoggedImportExportMixin
    from tests.factories import UserFactory

    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, LoggedImportExportMixin):
            assert [f().get_title() for f in model_admin.get_export_formats()] == ["csv", "xlsx"]
    data = ExcelCSV().export_data(tablib.Dataset(("甲一村党总支", "3"), headers=["单位", "人数"]))
    raw = data.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark Excel looks for
    assert raw[3:].decode("utf-8").splitlines() == ["单位,人数", "甲一村党总支,3"]

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:members_member_export")).content.decode()
    assert ">xlsx<" in html and ">csv<" in html
    for gone in ("tsv", "json", "yaml", "html", "ods", "xls<"):
        assert f">{gone}" not in html


# --- private downloads ------------------------------------------------------------------------------


def test_a_townships_zip_is_streamed_or_handed_to_nginx(small_city, client, settings):
    from django.core.files.base import ContentFile

    from reports.models import BatchStatus, ReportBatch, TownshipArchive

    batch = ReportBatch.objects.create(organization=small_city.city, year=2023, status=BatchStatus.DONE)
    arc = TownshipArchive(batch=batch, organization=small_city.town_a, count=1, size=4)
    arc.file.save("2023-batch-ta.zip", ContentFile(b"PK\x03\x04"), save=False)
    arc.save()
    client.force_login(small_city.users["shi"])
    url = reverse("reports:archive_download", args=[arc.pk])

    resp = client.get(url)  # no proxy: streamed in blocks by the app
    assert resp.status_code == 200 and resp.streaming and b"".join(resp.streaming_content) == b"PK\x03\x04"
    assert "attachment" in resp["Content-Disposition"]

    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_protected/"
    resp = client.get(url)  # nginx in front: the view checks access, nginx sends the bytes
    assert resp.status_code == 200 and resp.content == b""
    assert resp["X-Accel-Redirect"] == "/_protected/" + arc.file.name
    assert resp["Content-Type"] == "application/zip" and "attachment" in resp["Content-Disposition"]
    client.force_login(small_city.users["cun2"])  # another township's village: 404 as before
    assert client.get(url).status_code == 404
