"""One table of every URL × every role × in-scope / out-of-scope object."""

from importlib import import_module

import pytest
from django.urls import reverse

from tests.conftest import ROLES, build_small_city

APPS = ["branches", "members", "pilot", "assessments", "reports", "notifications"]


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
        from django.db import transaction

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


@pytest.mark.parametrize("case", CASES, ids=[c.id() for c in CASES])
@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_access_matrix(case, role, city, client, db):
    if case.setup:
        case.setup(city)
    url = reverse(case.url_name, kwargs=case.kwargs(city))
    if role != "anonymous":
        client.force_login(city.users[role])
    method = getattr(client, case.method)
    kwargs = {"data": case.data(city)} if case.method == "post" else {"data": case.query(city)}
    resp = method(url, **kwargs)
    if role == "anonymous":
        if "anonymous" in case.allowed:
            assert resp.status_code in case.ok_status
        else:
            assert resp.status_code in (302, 403, 404), resp.status_code
            if resp.status_code == 302:
                assert "/accounts/login/" in resp["Location"]
        return
    if role in case.allowed:
        assert resp.status_code in case.ok_status, f"{role} should open {url}: got {resp.status_code}"
    else:
        assert resp.status_code in case.refused_status, (
            f"{role} must be refused {url}: got {resp.status_code}"
        )


def _named_urls():
    from django.urls import get_resolver

    names = set()
    for ns, (_prefix, resolver) in get_resolver().namespace_dict.items():
        if ns not in APPS:
            continue
        for name in resolver.reverse_dict:
            if isinstance(name, str):
                names.add(f"{ns}:{name}")
    return names


def test_every_portal_url_is_in_the_access_matrix():
    """A view without its row in the matrix is a view nobody checked for other roles and subtrees."""
    covered = {c.url_name for c in CASES}
    missing = sorted(_named_urls() - covered)
    assert not missing, f"add these URLs to tests/<app>/access_cases.py: {missing}"
