"""Indicator schemes, inspections, rectification, mass evaluation and scores (督查考核)."""

from django.urls import path

from . import views, views_runs, views_supervision, voting_views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("unit/<int:org_id>/", views.unit_result, name="unit_result"),
    path("unit/<int:org_id>/entry/", views.entry, name="entry"),
    path("unit/<int:org_id>/fortress/", views.fortress, name="fortress"),
    path("plan/<int:org_id>/", views.plan, name="plan"),
    path("entries/<int:org_id>/", views.entry_grid, name="entry_grid"),
    path("ranking/<int:org_id>/", views.ranking, name="ranking"),
    path("city/", views.city, name="city"),
    path("runs/", views_runs.runs, name="runs"),
    path("runs/start/", views_runs.run_start, name="run_start"),
    path("runs/<int:run_id>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:run_id>/progress/", views_runs.run_progress, name="run_progress"),
    path("runs/<int:run_id>/publish/", views_runs.run_publish, name="run_publish"),
    path("runs/<int:run_id>/retry/", views_runs.run_retry, name="run_retry"),
    path("findings/", views_supervision.findings, name="findings"),
    path("findings/<int:finding_id>/", views_supervision.finding_detail, name="finding_detail"),
    path("findings/<int:finding_id>/file/<str:which>/", views_supervision.finding_file, name="finding_file"),
    path("findings/<int:finding_id>/<slug:action>/", views_supervision.finding_action, name="finding_action"),
    path("inspect/<int:org_id>/", views_supervision.inspect, name="inspect"),
    path("contacts/", views_supervision.contacts, name="contacts"),
    path("standards/<int:org_id>/", views_supervision.standards, name="standards"),
    path("surveys/<int:org_id>/", voting_views.surveys, name="surveys"),
    path("ballots/<int:org_id>/", voting_views.ballots, name="ballots"),
    path("ballots/batch/<int:batch_id>/", voting_views.ballots_print, name="ballots_print"),
    path("qr/<int:org_id>/", voting_views.qr, name="qr"),
    path("duty/<int:org_id>/", views_supervision.duty_edit, name="duty_edit"),
    # public, no login
    path("s/<str:key>/", voting_views.survey, name="survey"),
    path("p/<str:key>/", voting_views.public_unit, name="public_unit"),
    path("b/<str:code>/", voting_views.ballot, name="ballot"),
]
