"""Plan, years, tasks, monthly checklists and progress reports (试点推进)."""

from django.urls import path

from . import entry_views, list_views, report_views, review_views, views

app_name = "pilot"

urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("items/<int:item_id>/report/", report_views.item_report, name="item_report"),
    path("items/<int:item_id>/review/", views.item_review, name="item_review"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("evidence/<int:evidence_id>/display/", views.evidence_display, name="evidence_display"),
    path("review/", review_views.review_list, name="review"),
    path("review/<int:item_id>/", review_views.review_decide, name="review_decide"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/export/", views.matrix_export, name="matrix_export"),
    path("city/", views.city, name="city"),
    path("generate/", views.checklist_generate, name="checklist_generate"),
    path("plan/", views.plan, name="plan"),
    path("plan/years/new/", views.plan_year_start, name="plan_year_start"),
    path("pocketbook/", list_views.pocketbook, name="pocketbook"),
    path("pocketbook/<int:commitment_id>/", views.commitment_update, name="commitment_update"),
    path("pocketbook/new/<int:org_id>/", views.commitment_add, name="commitment_add"),
    path("pocketbook/qr/<int:org_id>/", entry_views.pocketbook_qr, name="pocketbook_qr"),
    # public, no login: the unit's pocketbook, rated by members and the public
    path("pb/<str:key>/", entry_views.pocketbook_public, name="pocketbook_public"),
    path("economy/", list_views.economy, name="economy"),
    path("economy/<int:income_id>/measures/", views.measure_add, name="measure_add"),
    path("economy/report/<int:org_id>/", entry_views.income_report, name="income_report"),
    path("economy/review/", entry_views.income_review, name="income_review"),
    path("economy/<int:income_id>/confirm/", entry_views.income_confirm, name="income_confirm"),
    path("economy/<int:income_id>/return/", entry_views.income_return, name="income_return"),
    path("activities/", list_views.activities, name="activities"),
    path("activities/new/<int:org_id>/", views.activity_new, name="activity_new"),
    path("centers/", list_views.centers, name="centers"),
    path("records/<slug:kind>/new/<int:org_id>/", views.record_new, name="record_new"),
    path("brands/", list_views.brands, name="brands"),
    path("brands/<int:brand_id>/", views.brand_detail, name="brand_detail"),
    path("brands/<int:brand_id>/publish/", views.brand_publish, name="brand_publish"),
    path("brands/new/<int:org_id>/", entry_views.brand_edit, name="brand_new"),
    path("brands/<int:brand_id>/edit/", entry_views.brand_edit, name="brand_edit"),
    path("brands/<int:brand_id>/cases/new/", entry_views.brand_case_add, name="brand_case_add"),
    path("brands/cases/<int:case_id>/photo/", entry_views.brand_case_photo, name="brand_case_photo"),
    path("honors/", list_views.honors, name="honors"),
    path("funding/", list_views.funding, name="funding"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/<int:org_id>/", views.meeting_new, name="meeting_new"),
    path("decisions/<int:decision_id>/close/", views.decision_close, name="decision_close"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/<int:org_id>/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
    path("notices/files/<int:attachment_id>/", views.notice_attachment, name="notice_attachment"),
]
