"""``Cache-Control: no-store`` on pages and downloads that carry personal data (issue 14).

Village phones are shared: a roster, a member page or a report PDF must not stay in the browser's
cache (or be shown again by the back button after logout). Keyed on the views, by URL name:
a whole namespace (``members:*``, the back office) or single views elsewhere.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers, patch_cache_control

NO_STORE_NAMESPACES = {"members", "admin"}
NO_STORE_VIEWS = {
    # reports: unit and city PDFs (secretaries' names, member figures) and their zips
    "reports:unit_report", "reports:summary_report", "reports:archive_download",
    # pilot: evidence photos and files, notice attachments
    "pilot:evidence", "pilot:evidence_display", "pilot:notice_attachment",
    # assessments: finding photos, inspectors' contacts, the duty report being edited
    "assessments:finding_file", "assessments:contacts", "assessments:duty_edit",
}  # fmt: skip


def wants_no_store(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if set(match.namespaces) & NO_STORE_NAMESPACES:
        return True
    return match.view_name in NO_STORE_VIEWS


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if wants_no_store(request):
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
            patch_cache_control(response, no_store=True, private=True)
        return response
