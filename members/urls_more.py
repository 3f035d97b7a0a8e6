"""URLs of 党费, the full-ID export and the member card, included into the ``members`` namespace."""

from django.urls import path

from . import cards_views, roundtrip
from . import dues_views as views

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
    path("<int:member_id>/card/", cards_views.member_card, name="card"),
    path("<int:member_id>/card/revoke/", cards_views.card_revoke, name="card_revoke"),
    path("checkin/", cards_views.checkin_home, name="checkin_home"),
    path("checkin/<int:activity_id>/", cards_views.checkin, name="checkin"),
    path("checkin/<int:activity_id>/scan/", cards_views.checkin_scan, name="checkin_scan"),
    path("checkin/<int:activity_id>/manual/", cards_views.checkin_manual, name="checkin_manual"),
]
