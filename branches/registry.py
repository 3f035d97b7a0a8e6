"""How apps contribute to shared pages without editing them.

Each app may have ``<app>/nav.py`` with ``nav_items(user) -> list[NavItem]`` and
``<app>/panels.py`` with ``home_panels(request) -> list[Panel]`` and/or
``org_panels(request, org) -> list[Panel]``. A panel is a template plus its context; each must
make a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

APPS = ("branches", "members", "pilot", "assessments", "reports", "notifications")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str = ""
    # False: shown under 更多 on the desktop bar, so the bar stays on one line (the phone menu lists all)
    primary: bool = True


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


def _modules(name: str):
    for app in APPS:
        try:
            yield import_module(f"{app}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{app}.{name}":
                raise


def nav_items(user) -> list[NavItem]:
    items: list[NavItem] = []
    for m in _modules("nav"):
        items.extend(m.nav_items(user))
    return items


def home_panels(request) -> list[Panel]:
    panels: list[Panel] = []
    for m in _modules("panels"):
        if hasattr(m, "home_panels"):
            panels.extend(m.home_panels(request))
    return sorted(panels, key=lambda p: p.order)


def org_panels(request, org) -> list[Panel]:
    panels: list[Panel] = []
    for m in _modules("panels"):
        if hasattr(m, "org_panels"):
            panels.extend(m.org_panels(request, org))
    return sorted(panels, key=lambda p: p.order)
