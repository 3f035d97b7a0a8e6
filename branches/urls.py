from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/", views.org_search, name="org_search"),
    path("orgs/<int:org_id>/", views.org_detail, name="org_detail"),
]
