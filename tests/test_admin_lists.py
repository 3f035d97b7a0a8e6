"""The back office's lists stay one page of queries whatever the number of rows: every foreign key
a list shows is fetched with the page (list_select_related), and the organization choosers are
autocomplete widgets, never a <select> of the whole city."""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget, ManyToManyRawIdWidget
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.audit import audit_record
from branches.models import AuditAction, Level, Organization
from tests.factories import UserFactory, make_org


def _followed(qs) -> set[str]:
    """The relations ``qs`` fetches in the same query."""
    sr = qs.query.select_related
    if sr is True:  # plain select_related(): the non-null foreign keys only
        return {f.name for f in qs.model._meta.concrete_fields if f.many_to_one and not f.null}
    return set(sr or {})


@pytest.mark.django_db
def test_every_admin_list_fetches_the_foreign_keys_it_shows():
    su = UserFactory(username="root", is_staff=True, is_superuser=True)
    missing = []
    for model, ma in admin.site._registry.items():
        fks = {f.name for f in model._meta.concrete_fields if f.many_to_one}
        shown = [name for name in ma.get_list_display(None) if isinstance(name, str) and name in fks]
        if not shown:
            continue
        request = RequestFactory().get("/")
        request.user = su
        qs = ma.get_changelist_instance(request).get_queryset(request)
        missing += [f"{model.__name__}.{name}" for name in shown if name not in _followed(qs)]
    assert missing == []


def _audit_rows(n: int, org: Organization, actor):
    for i in range(n):
        audit_record(actor=actor, action=AuditAction.ORG_UPDATE, obj=org, changes={"name": [str(i), "x"]},
                     organization=org)  # fmt: skip


@pytest.mark.django_db
def test_the_audit_list_makes_the_same_queries_for_3_or_30_rows(client):
    su = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(su)
    city = make_org(name="示范市委", level=Level.CITY)
    url = reverse("admin:branches_auditevent_changelist")
    _audit_rows(3, make_org(city, name="甲村"), UserFactory(username="a"))
    client.get(url)  # warm: session, content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(9):  # 27 more rows, each by another person about another organization
        _audit_rows(3, make_org(city, name=f"乙村{i}"), UserFactory(username=f"b{i}"))
    with CaptureQueriesContext(connection) as many:
        resp = client.get(url)
    assert resp.status_code == 200 and resp.content.decode().count("乙村") >= 27
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_organization_choosers_in_the_admin_are_autocomplete_or_raw_id(client):
    """A <select> of every organization is 5,000 options (814 KB) at city scale."""
    su = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(su)
    bad = []
    for model, ma in admin.site._registry.items():
        org_fields = [f.name for f in model._meta.get_fields()
                      if (f.many_to_one or f.many_to_many) and not f.auto_created and f.related_model is Organization]  # fmt: skip
        if not org_fields or not ma.has_add_permission(_request(su)):
            continue
        resp = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
        assert resp.status_code == 200, model
        form = resp.context["adminform"].form
        for name in org_fields:
            if name not in form.fields:
                continue
            w = form.fields[name].widget
            w = getattr(w, "widget", w)  # the related-object wrapper
            if not isinstance(w, AutocompleteMixin | ForeignKeyRawIdWidget | ManyToManyRawIdWidget):
                bad.append(f"{model.__name__}.{name}: {type(w).__name__}")
    assert bad == []


def _request(user):
    r = RequestFactory().get("/")
    r.user = user
    return r
