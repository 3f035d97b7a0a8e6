"""``/healthz/``: is this deployment able to work? Statuses only — no data, no versions, no names.

Answered by the first middleware, before the host check (ALLOWED_HOSTS) and the SSL redirect, so
a container healthcheck can call ``http://127.0.0.1:8000/healthz/`` with any Host header.

    {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "worker": "ok",
     "heartbeat_age_seconds": 42}

* ``database``: ``SELECT 1``. The only check that makes the answer 503: without the database
  no page can be served.
* ``cache``: Redis answers a PING (``degraded``: pages answer from the per-process fallback;
  ``local``: no Redis configured).
* ``broker``: the broker answers within a second (``eager``: embedded mode, no broker).
* ``worker``: the heartbeat (beat → broker → worker → database, every minute) is younger than
  ``HEALTH_HEARTBEAT_MAX_AGE`` (300 s); ``stale`` or ``unknown`` (never recorded) otherwise.

Anything but ``ok`` (or the embedded ``local``/``eager``) makes the overall status ``degraded``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone

log = logging.getLogger(__name__)
PATH = "/healthz/"


def check_database() -> str:
    from django.db import connection

    try:
        with connection.cursor() as c:
            c.execute("SELECT 1")
        return "ok"
    except Exception as e:  # noqa: BLE001 - any failure is "error"; the log says which
        log.warning("healthz: database: %s", type(e).__name__)
        return "error"


def check_cache() -> str:
    from django.core.cache import caches

    from .cache import TolerantRedisCache

    default = caches["default"]
    if not isinstance(default, TolerantRedisCache):
        return "local"
    try:
        default._cache.get_client(write=False).ping()
        return "ok"
    except Exception as e:  # noqa: BLE001
        log.warning("healthz: cache: %s", type(e).__name__)
        return "degraded"


def check_broker() -> str:
    from .celery import app

    if app.conf.task_always_eager or str(app.conf.broker_url).startswith("memory://"):
        return "eager"
    url = str(app.conf.broker_url)
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        else:  # pragma: no cover - only Redis is deployed
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception as e:  # noqa: BLE001
        log.warning("healthz: broker: %s", type(e).__name__)
        return "error"


def heartbeat_age() -> float | None:
    from branches.models import Heartbeat

    at = Heartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
    return None if at is None else max((timezone.now() - at).total_seconds(), 0.0)


def check_worker(age: float | None) -> str:
    if age is None:
        return "unknown"
    return "ok" if age <= getattr(settings, "HEALTH_HEARTBEAT_MAX_AGE", 300) else "stale"


def report() -> tuple[dict, int]:
    out = {"database": check_database(), "cache": check_cache(), "broker": check_broker()}
    age = None
    if out["database"] == "ok":
        try:
            age = heartbeat_age()
        except Exception:  # noqa: BLE001 - a missing table before migrate: unknown
            age = None
    out["worker"] = check_worker(age)
    if out["broker"] == "eager":
        out["worker"] = "eager"  # tasks run in process
    fine = {"ok", "local", "eager"}
    status = "error" if out["database"] != "ok" else ("ok" if set(out.values()) <= fine else "degraded")
    body = {"status": status, **out, "heartbeat_age_seconds": None if age is None else int(age)}
    return body, 503 if status == "error" else 200


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers ``/healthz/`` before anything reads the Host header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            body, status = report()
            resp = JsonResponse(body, status=status)
            resp["Cache-Control"] = "no-store"
            return resp
        return self.get_response(request)
