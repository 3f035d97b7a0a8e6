from django.urls import path

from . import views

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
]
