from django.urls import include, path

from . import views, views_life, views_transfers

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("export/", views.member_export, name="export"),
    path("new/", views.member_create, name="create"),
    path("eid/", views.member_eid, name="eid"),
    path("import/", views.roster_import, name="import"),
    path("import/confirm/", views.roster_import_confirm, name="import_confirm"),
    path("import/template/", views.roster_template, name="import_template"),
    path("pioneer/<int:org_id>/", views.pioneer_grid, name="pioneer_grid"),
    path("care/<int:org_id>/", views.care_overview, name="care"),
    path("<int:member_id>/", views.member_detail, name="detail"),
    path("<int:member_id>/edit/", views.member_edit, name="edit"),
    path("<int:member_id>/status/", views.member_transfer, name="transfer"),
    path("<int:member_id>/visits/", views.care_visit, name="visit_add"),
    path("<int:member_id>/payments/", views.care_payment, name="payment_add"),
    # A member's life beyond the roster (members/views_life.py; transfers: members/views_transfers.py).
    path("<int:member_id>/records/<slug:kind>/new/", views_life.record_form, name="record_add"),
    path("<int:member_id>/records/<slug:kind>/<int:record_id>/", views_life.record_form, name="record_edit"),
    path(
        "<int:member_id>/records/<slug:kind>/<int:record_id>/delete/",
        views_life.record_delete,
        name="record_delete",
    ),
    path("development/", views_life.development_list, name="development_list"),
    path("development/new/", views_life.development_create, name="development_create"),
    path("development/<int:development_id>/", views_life.development_detail, name="development_detail"),
    path("development/<int:development_id>/step/", views_life.development_step, name="development_step"),
    path("development/<int:development_id>/stop/", views_life.development_stop, name="development_stop"),
    path("", include("members.urls_more")),
    path("<int:member_id>/relation/", views_transfers.transfer_start, name="transfer_start"),
    path("transfers/", views_transfers.transfer_list, name="transfer_list"),
    path("transfers/in/", views_transfers.transfer_in, name="transfer_in"),
    path("transfers/<int:transfer_id>/", views_transfers.transfer_detail, name="transfer_detail"),
    path("transfers/<int:transfer_id>/accept/", views_transfers.transfer_accept, name="transfer_accept"),
    path("transfers/<int:transfer_id>/refuse/", views_transfers.transfer_refuse, name="transfer_refuse"),
    path("transfers/<int:transfer_id>/cancel/", views_transfers.transfer_cancel, name="transfer_cancel"),
    path("transfers/<int:transfer_id>/receipt/", views_transfers.transfer_receipt, name="transfer_receipt"),
    path("transfers/<int:transfer_id>/letter.pdf", views_transfers.transfer_letter, name="transfer_letter"),
    path("<int:member_id>/floating/", views_life.floating_out, name="floating_out"),
    path("floating/", views_life.floating_list, name="floating_list"),
    path("floating/in/", views_life.floating_in, name="floating_in"),
    path("floating/<int:record_id>/", views_life.floating_detail, name="floating_detail"),
    path("floating/<int:record_id>/contact/", views_life.floating_contact, name="floating_contact"),
    path("floating/<int:record_id>/end/", views_life.floating_end, name="floating_end"),
]
