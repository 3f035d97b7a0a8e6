"""Structured log lines: time, level, logger, request id, user id, message — never an ID number.

    2026-12-01T10:21:48.123+08:00 level=WARNING logger=assessments.scoring request=3f9c1a2b4d5e user=12 task=- msg="score run 7: …"

``LOG_FORMAT=json`` writes the same fields as one JSON object a line. The whole line — message
and traceback alike — goes through the resident-ID mask (``branches.logging.mask_text``), so a
number in an exception text is masked too; the ``mask_ids`` filter stays on the handler.

The request id comes from a sane ``X-Request-ID`` header (the proxy's) or is made here, and is
sent back in the response; the user id is read only once authentication has already loaded the
user (a log line never queries the database). In Celery the task id takes the request's place.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import datetime

from branches.logging import mask_text

_request: ContextVar = ContextVar("log_request", default=None)
_request_id: ContextVar[str] = ContextVar("log_request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{6,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]
        request.request_id = rid
        t1, t2 = _request_id.set(rid), _request.set(request)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            return response
        finally:
            _request_id.reset(t1)
            _request.reset(t2)


def _user_id() -> str:
    req = _request.get()
    user = getattr(req, "_cached_user", None) if req is not None else None  # loaded already, or not at all
    return str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else "-"


def _task_id() -> str:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return "-"
    req = getattr(current_task, "request", None)
    return getattr(req, "id", None) or "-"


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``task_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or _request_id.get()
        record.user_id = getattr(record, "user_id", None) or _user_id()
        record.task_id = getattr(record, "task_id", None) or _task_id()
        return True


class StructuredFormatter(logging.Formatter):
    def __init__(self, *args, json_lines: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.json_lines = json_lines

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        if record.stack_info:
            message = f"{message}\n{self.formatStack(record.stack_info)}"
        fields = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request": getattr(record, "request_id", "-"),
            "user": getattr(record, "user_id", "-"),
            "task": getattr(record, "task_id", "-"),
            "msg": mask_text(message),
        }
        if self.json_lines:
            return json.dumps(fields, ensure_ascii=False)
        head = " ".join(f"{k}={v}" for k, v in fields.items() if k not in ("time", "msg"))
        return f"{fields['time']} {head} msg={json.dumps(fields['msg'], ensure_ascii=False)}"
