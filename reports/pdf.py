"""The PDF pipeline: HTML from a template → WeasyPrint → bytes, fast and fetching nothing outside.

Speed (see ``bench/reports_pdf.py``): one ``FontConfiguration`` and one parsed print stylesheet
are built once per process and reused, so the shipped font subset is registered with fontconfig
once rather than per report; the stylesheet names only that font (no system fallback scan); the
PDF font subsetting goes through HarfBuzz (``libharfbuzz-subset.so.0``) — without it WeasyPrint
falls back to fontTools, several times slower (``reports.checks`` warns).

Safety: ``RestrictedURLFetcher`` serves the project's static files and media straight from disk
and refuses everything else (http, https, ftp, other ``file://`` paths, data: is allowed only
for inline images), so text typed by users can never make the server request another address.
"""

from __future__ import annotations

import atexit
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

BASE_URL = "https://report.invalid/"  # never fetched: the fetcher maps it to disk
PRINT_CSS = "reports/print.css"


class RefusedURL(ValueError):
    pass


def _static_path(rel: str) -> Path | None:
    rel = rel.lstrip("/")
    if not rel or ".." in Path(rel).parts:
        return None
    found = finders.find(rel)
    if found:
        return Path(found)
    root = getattr(settings, "STATIC_ROOT", None)
    if root:
        p = (Path(root) / rel).resolve()
        if p.is_file() and p.is_relative_to(Path(root).resolve()):
            return p
    return None


def _media_path(rel: str) -> Path | None:
    root = Path(settings.MEDIA_ROOT).resolve()
    p = (root / rel.lstrip("/")).resolve()
    if p.is_file() and p.is_relative_to(root):
        return p
    return None


def resolve_local(url: str) -> Path | None:
    """Map a URL of our own static files or media to a file on disk, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "") or parts.netloc not in ("report.invalid", ""):
        return None
    path = unquote(parts.path)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    media_prefix = "/" + settings.MEDIA_URL.strip("/") + "/"
    if path.startswith(static_prefix):
        return _static_path(path[len(static_prefix) :])
    if path.startswith(media_prefix):
        return _media_path(path[len(media_prefix) :])
    return None


def _fetcher_class():
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class RestrictedURLFetcher(URLFetcher):
        """Serve only ``/static/…`` and ``/media/…`` of this project, from disk."""

        def fetch(self, url, headers=None):
            if url.startswith("data:image/"):
                return super().fetch(url, headers)
            path = resolve_local(url)
            if path is None:
                raise RefusedURL(f"报告渲染拒绝访问外部地址：{url[:200]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return RestrictedURLFetcher


def url_fetcher():
    return _fetcher_class()(timeout=1, allowed_protocols=("https", "data"), allow_redirects=False)


_local = threading.local()
_configs: list = []


@atexit.register
def _drop_font_configs():
    # FontConfiguration.__del__ needs ctypes alive; release ours before interpreter shutdown.
    _configs.clear()
    _local.__dict__.clear()


def _shared():
    """One font configuration and one parsed stylesheet per thread, reused by every render."""
    if getattr(_local, "css", None) is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css_path = _static_path(PRINT_CSS)
        css = CSS(
            string=css_path.read_text(encoding="utf-8"),
            base_url=BASE_URL + settings.STATIC_URL.strip("/") + "/reports/",
            url_fetcher=url_fetcher(),
            font_config=font_config,
        )
        _local.font_config, _local.css = font_config, css
        _configs.append(font_config)
    return _local.font_config, _local.css


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    font_config, css = _shared()
    doc = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
    return doc.write_pdf(stylesheets=[css], font_config=font_config, optimize_images=False)


def render_pdf(template: str, context: dict) -> bytes:
    """Render a report template (user text autoescaped by the template engine) to PDF bytes."""
    return html_to_pdf(render_to_string(template, context))
