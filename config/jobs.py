"""Enqueueing that fails fast: the job row is already saved, so a broker that cannot be reached
costs a log line and a note to the user ("已保存，稍后自动排队"), never a hanging or failed request.

Every job the pages start lives in the database (``ScoreRun``, ``ReportBatch``) and the sweepers
(beat, every minute or five) send again whatever is queued but was never delivered. The broker's
connect timeout and publish retries are short (settings, "operations" block), so an unreachable
Redis answers within about a second instead of 19.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.db import transaction

log = logging.getLogger(__name__)

_deferred: ContextVar[int] = ContextVar("jobs_deferred", default=0)


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as KombuOperationalError

    types: list[type[BaseException]] = [KombuOperationalError, ConnectionError, OSError, TimeoutError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        types += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(types)


BROKER_ERRORS = _broker_errors()


def enqueue(task, *args, **kwargs) -> bool:
    """Send ``task(*args, **kwargs)`` now. If the broker is unreachable, log it, remember it for
    this request (the page says it will be queued later) and return False: the sweeper sends it."""
    try:
        task.delay(*args, **kwargs)
        return True
    except BROKER_ERRORS as e:
        _deferred.set(_deferred.get() + 1)
        log.warning("broker unavailable, %s%r left for the sweeper: %s", task.name, args, type(e).__name__)
        return False


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """``enqueue`` once the surrounding transaction commits (never a message for a rolled-back row)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))


class DeferredJobsMiddleware:
    """After a request whose job could not be sent, tell the user it is saved and will be queued
    automatically (placed after MessageMiddleware so the message is stored with the response)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _deferred.set(0)
        try:
            response = self.get_response(request)
            if _deferred.get() and hasattr(request, "_messages"):
                from django.contrib import messages
                from django.utils.translation import gettext as _

                messages.warning(request, _("已保存，稍后自动排队。"))
            return response
        finally:
            _deferred.reset(token)
