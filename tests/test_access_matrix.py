"""One table of every URL × every role × in-scope / out-of-scope object (see ``tests/access.py``)."""

from importlib import import_module

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import ROLES
from tests.conftest import build_small_city

APPS = ["branches", "members", "pilot", "assessments", "reports", "notifications", "admin"]


def _modules():
    for app in APPS:
        try:
            yield import_module(f"tests.{app}.access_cases")
        except ModuleNotFoundError as e:
            if e.name != f"tests.{app}.access_cases":
                raise


CASES = [case for mod in _modules() for case in mod.CASES]


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Built once per module inside a savepoint we roll back at the end.
        atomic = transaction.atomic()
        atomic.__enter__()
        sc = build_small_city()
        # Each app adds the objects its URLs need (``build(city)`` puts them in ``city.extra``).
        for mod in _modules():
            if hasattr(mod, "build"):
                mod.build(sc)
        yield sc
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _audit_actions_since(last_id):
    from branches.models import AuditEvent

    return tuple(AuditEvent.objects.filter(pk__gt=last_id).order_by("pk").values_list("action", flat=True))


def _last_audit_id():
    from branches.models import AuditEvent

    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _one(case, role, city, client):
    """What ``role`` gets from ``case``, as a list of the ways it differs from the case's answer."""
    if case.setup:
        case.setup(city)
    url = reverse(case.url_name, kwargs=case.kwargs(city))
    client.logout()
    if role != "anonymous":
        client.force_login(city.users[role])
    before = case.effect(city) if case.effect else None
    last = _last_audit_id()
    kwargs = {"data": case.data(city)} if case.method == "post" else {"data": case.query(city)}
    resp = getattr(client, case.method)(url, **kwargs)
    got, wrong = resp.status_code, []
    written = _audit_actions_since(last)
    if role == "anonymous" and "anonymous" not in case.allowed and "anonymous" not in case.status:
        login = "/admin/login/" if case.url_name.startswith("admin:") else "/accounts/login/"
        if got != 302 or not resp["Location"].startswith(login):
            wrong.append(f"anonymous: {got} {resp.get('Location', '')} (expected a redirect to {login})")
        return wrong + ([f"anonymous wrote {written}"] if written else [])
    want = case.expected(role)
    if got != want:
        wrong.append(f"{role}: {got} (expected {want})")
    allowed = role in case.allowed and got == want
    if case.method == "post" and allowed:
        if case.audit is not None and written != tuple(case.audit):
            wrong.append(f"{role}: audit {written} (expected {tuple(case.audit)})")
    elif role not in case.allowed and written:
        wrong.append(f"{role} was refused but wrote audit rows {written}")
    if case.effect:
        after = case.effect(city)
        if allowed and after == before:
            wrong.append(f"{role}: allowed, but nothing changed ({before!r})")
        if not allowed and after != before:
            wrong.append(f"{role}: refused, but {before!r} became {after!r}")
    return wrong


@pytest.mark.parametrize("case", CASES, ids=[c.id() for c in CASES])
def test_access_matrix(case, city, client, db):
    """Each role in turn inside its own savepoint, so no role sees another's writes."""
    wrong = []
    for role in (*ROLES, "anonymous"):
        sid = transaction.savepoint()
        try:
            wrong += _one(case, role, city, client)
        finally:
            transaction.savepoint_rollback(sid)
    assert not wrong, f"{case.id()}:\n" + "\n".join(wrong)


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from _walk(p, f"{prefix}{ns}:" if ns else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}"


# Django's own pages, answered by Django for everyone alike (the login page, the language switch).
NOT_PORTAL = ("login", "logout", "password_change", "password_change_done", "set_language")


def test_every_portal_url_is_in_the_access_matrix():
    """A view without its row in the matrix is a view nobody checked for other roles and subtrees.

    The whole URLconf is walked, not a list of apps: a new app's URLs are missing until they have
    their cases. The admin is covered through its main models (``tests/admin/access_cases.py``).
    """
    covered = {c.url_name for c in CASES}
    names = {n for n in _walk(get_resolver()) if not n.startswith("admin:") and n not in NOT_PORTAL}
    missing = sorted(names - covered)
    assert not missing, f"add these URLs to tests/<app>/access_cases.py: {missing}"
