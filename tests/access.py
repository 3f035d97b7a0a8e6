"""The access matrix: every URL × every role × in-scope / out-of-scope object.

Each app lists its cases in ``tests/<app>/access_cases.py`` as ``CASES``; ``test_access_matrix``
runs them all against the small city (see ``conftest.build_small_city``). A case names the URL,
how to build its arguments from the city, the roles that may open it and the status they get;
an app whose URLs need objects (a report, a finding) defines ``build(city)`` in its
``access_cases.py`` to create them once, through services, into ``city.extra``. Everyone else
must be refused (404 for an object outside their scope, 403 for a forbidden
action, a redirect to the login page for anonymous visitors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    url_name: str
    kwargs: Callable = lambda city: {}
    allowed: frozenset = frozenset()
    method: str = "get"
    data: Callable = lambda city: {}
    ok_status: tuple = (200,)
    refused_status: tuple = (403, 404)
    label: str = ""
    setup: Callable | None = None
    query: Callable = field(default=lambda city: {})

    def id(self) -> str:
        return self.label or self.url_name


def allow(*roles) -> frozenset:
    return frozenset(roles)


EVERYONE = allow("shi", "zhen", "cun", "cun2", "ducha", "nobody")
