"""The access matrix: every URL × every role × in-scope / out-of-scope object, answered exactly.

Each app lists its cases in ``tests/<app>/access_cases.py`` as ``CASES``; ``test_access_matrix``
runs them all against the small city (see ``conftest.build_small_city``). A case names the URL,
how to build its arguments from the city, the roles that may open it and the one status they
get; an app whose URLs need objects defines ``build(city)`` in its ``access_cases.py`` to create
them once, through services, into ``city.extra``.

Everyone else is refused exactly: **404** when the object lies outside what the role sees
(``within`` names the object's organization; ``SEES`` says, by hand, who sees each one), **403**
when the role sees it but may not do this (or when the URL names no object), a redirect to the
login page for anonymous visitors. A POST is checked by its effect too: an allowed one writes
exactly the audit rows ``audit`` lists (the one write path audits every change) and changes
``effect``; a refused one writes no audit row and leaves ``effect`` as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("shi", "zhen", "cun", "cun2", "ducha", "nobody")

# Who sees each organization of the small city (市 → 甲镇 [甲一村 → 支部, 甲二村], 乙镇 [乙一村]):
# the department everything, the township secretary 甲镇's subtree, each village secretary their
# village, the inspector only 甲二村 (assigned), the user without a role nothing.
SEES = {
    "city": frozenset({"shi"}),
    "town_a": frozenset({"shi", "zhen"}),
    "town_b": frozenset({"shi"}),
    "a1": frozenset({"shi", "zhen", "cun"}),
    "a1_branch": frozenset({"shi", "zhen", "cun"}),
    "a2": frozenset({"shi", "zhen", "ducha"}),
    "b1": frozenset({"shi", "cun2"}),
    # 甲一村 → 乙一村 (a transfer): both villages and the levels above each.
    "a1+b1": frozenset({"shi", "zhen", "cun", "cun2"}),
    # A town_a notice sent to 甲一村 and 甲二村: its sender and recipients.
    "a1+a2": frozenset({"shi", "zhen", "cun", "ducha"}),
    # What is one person's own (their notifications): nobody else, not even the department.
    "cun_own": frozenset({"cun"}),
    "missing": frozenset(),
}


@dataclass(frozen=True)
class Case:
    url_name: str
    kwargs: Callable = lambda city: {}
    allowed: frozenset = frozenset()
    method: str = "get"
    data: Callable = lambda city: {}
    ok_status: int = 200
    label: str = ""
    setup: Callable | None = None
    query: Callable = field(default=lambda city: {})
    # The organization the URL's object (or ``?org=``) belongs to, a key of ``SEES``; ``None``: the
    # URL names no object, so a refused role gets 403.
    within: str | None = None
    # Exact statuses that differ from the rule (a redirect to the role's own page, say).
    status: dict = field(default_factory=dict)
    # The audit actions an allowed POST writes, in order (``()``: the POST changes nothing).
    audit: tuple | None = None
    # ``city -> value`` read before and after: an allowed POST changes it, a refused one does not.
    effect: Callable | None = None

    def id(self) -> str:
        return self.label or self.url_name

    def expected(self, role: str) -> int:
        if role in self.status:
            return self.status[role]
        if role in self.allowed:
            return self.ok_status
        if self.within is None:
            return 403
        return 403 if role in SEES[self.within] else 404


def allow(*roles) -> frozenset:
    return frozenset(roles)


EVERYONE = allow(*ROLES)
