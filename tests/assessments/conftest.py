import uuid

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache_keys(settings):
    """Rate-limit counters and one-time tokens live in the cache; each test gets its own key space
    (never ``cache.clear()``: with Redis that would flush the broker's database too)."""
    settings.ASSESSMENTS_CACHE_PREFIX = f"t{uuid.uuid4().hex[:8]}"
