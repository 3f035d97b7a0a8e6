"""Private files (a township's zip of year-end reports) go out without pinning an app worker.

Behind nginx (``PRIVATE_MEDIA_ACCEL_PREFIX`` set, e.g. ``/_protected/``) the view only checks
access and answers with ``X-Accel-Redirect``: nginx sends the file from ``MEDIA_ROOT`` itself
(an ``internal`` location, so nobody can fetch it directly). Without a proxy the file is streamed
by ``FileResponse`` in blocks — under gunicorn's gthread workers a slow phone holds one thread.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def private_file_response(fieldfile, *, filename: str, content_type: str, as_attachment: bool = True):
    prefix = getattr(settings, "PRIVATE_MEDIA_ACCEL_PREFIX", "")
    if prefix:
        resp = HttpResponse(content_type=content_type)
        resp["X-Accel-Redirect"] = quote(prefix.rstrip("/") + "/" + fieldfile.name.lstrip("/"))
        resp["Content-Disposition"] = content_disposition_header(as_attachment, filename)
        return resp
    return FileResponse(fieldfile.open("rb"), as_attachment=as_attachment, filename=filename,
                        content_type=content_type)  # fmt: skip
