"""Year-end report batches (年底考核报告) and dashboards (四全看板)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("org/<int:org_id>/", views.dashboard_org, name="dashboard_org"),
    path("org/<int:org_id>/export/<slug:table>.xlsx", views.dashboard_export, name="dashboard_export"),
    path("org/<int:org_id>/rankings.xlsx", views.rankings_export, name="rankings_export"),
    path("org/<int:org_id>/report.pdf", views.unit_report, name="unit_report"),
    path("org/<int:org_id>/summary.pdf", views.summary_report, name="summary_report"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/start/", views.batch_start, name="batch_start"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/resume/", views.batch_resume, name="batch_resume"),
    path("archives/<int:archive_id>/", views.archive_download, name="archive_download"),
]
