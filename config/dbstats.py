"""Planner statistics after bulk loads (ANALYZE).

PostgreSQL plans from the statistics ANALYZE gathers; autovacuum refreshes them only once a table
has changed by a fraction of its size and only after the loading transaction committed. A
freshly built demo city or a 150,000-row roster import left the planner believing the tables were
empty: it chose nested loops, and the city home page took 475 ms warm and 2.16 s cold instead of
135–200 ms. Every bulk load (``demo_city``, the roster, organization and dues imports, the monthly
checklist job, ``restore``) therefore ends with ``analyze_after_bulk_load``.

On SQLite this is a no-op on purpose: its planner does without ``sqlite_stat1`` and every page's
plan was tuned that way (an ANALYZE there changes plans, and takes seconds on the checklist table).
"""

from __future__ import annotations

import logging
import time

from django.db import connections, transaction

log = logging.getLogger(__name__)

# Below this many written rows autovacuum's own thresholds keep up; ANALYZE would only cost time.
BULK_ROWS = 500


def analyze_after_bulk_load(*models, rows: int | None = None, using: str = "default") -> bool:
    """ANALYZE the tables of ``models`` (every table when none is given) once the current
    transaction commits — right away outside one. ``rows`` is how many rows the load wrote: fewer
    than ``BULK_ROWS`` and nothing is done. Returns whether ANALYZE is scheduled."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    if rows is not None and rows < BULK_ROWS:
        return False
    tables = sorted({m._meta.db_table for m in models})

    def run():
        started = time.perf_counter()
        names = ", ".join(connection.ops.quote_name(name) for name in tables)
        with connections[using].cursor() as cur:
            cur.execute(f"ANALYZE {names}" if names else "ANALYZE")
        log.info("ANALYZE %s: %.2f s", names or "(all tables)", time.perf_counter() - started)

    transaction.on_commit(run, using=using)
    return True
