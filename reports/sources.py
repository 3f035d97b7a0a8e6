"""The one place reports read other apps' figures — through THEIR selectors, never recomputed.

The results page, the dashboards and the PDFs all show what ``assessments.selectors``,
``pilot.selectors`` and ``members.selectors`` return. Each adapter here calls one selector,
passes it the arguments its signature names, and turns the answer into the plain dicts the
report templates read. Where an app's selector is not available (an app not installed or an
older checkout) the section shows "暂无数据" rather than a number computed another way.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from decimal import Decimal
from importlib import import_module

log = logging.getLogger(__name__)


def selector(app: str, name: str):
    try:
        mod = import_module(f"{app}.selectors")
    except ModuleNotFoundError as e:
        if e.name != f"{app}.selectors":
            raise
        return None
    return getattr(mod, name, None)


def call(fn, **available):
    """Call ``fn`` with those of ``available`` its signature names (synonyms accepted)."""
    synonyms = {
        "org": ("org", "organization", "unit"),
        "org_id": ("org_id", "organization_id", "unit_id"),
        "orgs": ("orgs", "organizations", "units"),
        "org_ids": ("org_ids", "organization_ids", "unit_ids"),
        "scope": ("scope", "root", "within", "under"),
    }
    params = inspect.signature(fn).parameters
    kwargs = {}
    for key, value in available.items():
        for alias in synonyms.get(key, (key,)):
            if alias in params:
                kwargs[alias] = value
                break
    return fn(**kwargs)


def get(obj, *names, default=None):
    """First present attribute/key among ``names`` (dicts and objects alike)."""
    for n in names:
        if isinstance(obj, Mapping):
            if n in obj and obj[n] is not None:
                return obj[n]
        elif obj is not None and getattr(obj, n, None) is not None:
            return getattr(obj, n)
    return default


def num(v):
    if v is None:
        return None
    if isinstance(v, (int, float, Decimal)):
        return v
    try:
        return Decimal(str(v))
    except Exception:  # noqa: BLE001 — anything non-numeric shows as "—"
        return None
