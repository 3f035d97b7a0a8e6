"""The home page's organization list counts (members, active branches, active organizations of
each of my organizations and of its direct children), cached.

Counting them means reading every organization of the scope and grouping every current member by
organization: ≈ 50 ms of CPU for the department's 5,000 organizations and 150,000 members, on every
visit of a page whose figures change a few times a day. They are kept per set of roots (the same
for everyone holding those roles) and dropped:

* on every save or delete of a member or an organization (a version key that the cache key
  includes: the next home page counts again);
* after ``TTL`` seconds in any case — bulk writes (imports, ``QuerySet.update``) send no
  signals, and the figures are a roll-up that may be a minute old.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

#: Seconds a cached set of counts lives at most.
TTL = 60
VERSION_KEY = "branches:home-counts:version"


def counts_for(roots, children) -> dict:
    """``{path: SubtreeCounts}`` for the roots and their children (three queries on a miss, one
    cache read on a hit)."""
    from .selectors import SubtreeCounter

    root_paths = [r.path for r in roots]
    version = cache.get(VERSION_KEY) or "0"
    key = f"branches:home-counts:{version}:{'|'.join(root_paths)}"
    counts = cache.get(key)
    if counts is None:
        counter = SubtreeCounter(root_paths)
        counts = {p: counter.for_path(p) for p in root_paths + [c.path for c in children]}
        cache.set(key, counts, TTL)
    return counts


def invalidate(**kwargs) -> None:
    """A member's or an organization's save must never fail because the cache is away: the
    counts then live out their ``TTL``."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 — any cache backend's connection error
        logger.warning("home counts: cache unavailable, counts expire after %s s", TTL)


def connect() -> None:
    from members.models import Member

    from .models import Organization

    for model in (Member, Organization):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"home-counts-save-{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"home-counts-delete-{model.__name__}")
