"""URLs of 党费, the full-ID export and the member card, included into the ``members`` namespace."""

from django.urls import path

from . import dues_views as views
from . import roundtrip

urlpatterns = [
    path("export/full/", roundtrip.member_export_full, name="export_full"),
    path("dues/", views.dues_unpaid, name="dues_unpaid"),
    path("dues/branch/<int:org_id>/", views.dues_branch, name="dues_branch"),
    path("dues/totals/<int:org_id>/", views.dues_totals, name="dues_totals"),
    path("dues/import/", views.dues_import, name="dues_import"),
    path("dues/import/confirm/", views.dues_import_confirm, name="dues_import_confirm"),
    path("dues/import/template/", views.dues_import_template, name="dues_import_template"),
    path("<int:member_id>/dues/", views.dues_member, name="dues_member"),
    path("<int:member_id>/dues/pay/", views.dues_pay, name="dues_pay"),
]
