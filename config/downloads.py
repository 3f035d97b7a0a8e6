"""Private files (a township's zip of year-end reports, uploaded evidence, finding photos, notice
attachments) go out without pinning an app worker.

Behind nginx (``PRIVATE_MEDIA_ACCEL_PREFIX`` set, e.g. ``/_protected/``) the view only checks
access and answers with ``X-Accel-Redirect``: nginx sends the file from ``MEDIA_ROOT`` itself
(an ``internal`` location, so nobody can fetch it directly). nginx keeps only Content-Type,
Content-Disposition, Accept-Ranges, Set-Cookie, Cache-Control and Expires of this answer, so the
internal location adds ``X-Content-Type-Options`` and the sandboxing ``Content-Security-Policy``
itself (README, .env.example). Without a proxy — the default — the file is streamed by
``FileResponse`` in blocks; under gunicorn's gthread workers a slow phone holds one thread.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

#: Uploaded files are shown, never run: no sniffing, and a sandbox with no resources of its own.
UPLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def private_file_response(
    fieldfile,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
    headers: dict[str, str] | None = None,
):
    """The stored file ``fieldfile`` to a person the view has already let see it; 404 when it is
    missing from storage (either way of sending)."""
    prefix = getattr(settings, "PRIVATE_MEDIA_ACCEL_PREFIX", "")
    if not fieldfile or not fieldfile.name:
        raise Http404
    if prefix:
        if not fieldfile.storage.exists(fieldfile.name):
            raise Http404
        resp = HttpResponse(content_type=content_type)
        resp["X-Accel-Redirect"] = quote(prefix.rstrip("/") + "/" + fieldfile.name.lstrip("/"))
        resp["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    else:
        try:
            fh = fieldfile.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        resp = FileResponse(fh, as_attachment=as_attachment, filename=filename, content_type=content_type)
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp
