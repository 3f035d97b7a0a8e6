"""The cache is optional on every page path: Redis when it answers, a per-process memory cache
while it does not.

Redis down used to make every home page a 500 (the cache was unguarded). ``TolerantRedisCache``
catches Redis' connection and timeout errors, logs once per outage, and serves the call from a
local ``LocMemCache`` for ``RETRY_AFTER`` seconds before it tries Redis again — pages stay 200,
a little slower (figures are computed again), rate limits and one-time survey tokens count per
process meanwhile. Connect and socket timeouts are short so an unreachable Redis costs
milliseconds, not the client's defaults.

``clear()`` deletes only this cache's keys (``KEY_PREFIX``), never ``FLUSHDB``: the database
number is the broker's + 1 (settings), and a cache must not wipe anybody's queue even if two
configurations collide.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)


def _redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


REDIS_ERRORS = _redis_errors()
_GUARDED = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many")


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 10))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._fallback = LocMemCache(
            f"tolerant-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10000}},
        )
        self._down_until = 0.0

    @property
    def redis_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            return getattr(super(), name)(*args, **kwargs)
        except REDIS_ERRORS as e:
            if self._down_until == 0.0 or time.monotonic() - self._down_until > self.retry_after:
                log.warning("cache: Redis unavailable (%s); serving from memory for %ss", type(e).__name__,
                            self.retry_after)  # fmt: skip
            self._down_until = time.monotonic() + self.retry_after
            return getattr(self._fallback, name)(*args, **kwargs)

    def clear(self) -> bool:
        self._fallback.clear()
        if time.monotonic() < self._down_until:
            return False
        try:
            client = self._cache.get_client(write=True)
            pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
            return True
        except REDIS_ERRORS:
            self._down_until = time.monotonic() + self.retry_after
            return False


def _guard(name):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"``{name}`` on Redis, or on the memory fallback while Redis is unavailable."
    return method


for _name in _GUARDED:
    setattr(TolerantRedisCache, _name, _guard(_name))
