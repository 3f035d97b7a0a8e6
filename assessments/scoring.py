"""The scoring engine: chunked and resumable runs (periods, mapping, subjects and one chunk's
scoring live in ``periods``, ``mapping``, ``subjects`` and ``chunk``; re-exported here).

A run walks the subjects (units or branches, ordered by id) in chunks. For each chunk it runs
each indicator's source once (one SQL statement for all organizations in the chunk's subtrees),
maps raw values to points as the scheme says, and replaces the chunk's result rows in one
transaction together with the progress counter — so a killed worker loses at most one chunk's
work and a rerun writes the same rows. A lease on the run row (``select_for_update``) keeps two
workers from writing the same run; a stale heartbeat lets the sweeper hand the run to another.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from branches.models import Organization

from .chunk import (
    _json,
    apply_lagging,
    apply_quotas,
    apply_ranks,
    bottom_ids,
    compute_chunk,
    run_sources,
)
from .models import (
    GradeBand,
    RunFailure,
    RunStatus,
    Scheme,
    ScoreResult,
    ScoreRun,
)
from .periods import PeriodError, parse_period, previous_quarter, quarters_of  # noqa: F401 - re-exported
from .subjects import (  # noqa: F401 - specificity and subject_queryset are re-exported
    SubtreeIndex,
    assign_by_coverage,
    assign_subjects,
    rollup_all,
    specificity,
    subject_queryset,
)

log = logging.getLogger(__name__)


# --- the run -----------------------------------------------------------------------------------------


class LeaseLost(Exception):
    """Another worker took the run over (ours was considered dead); stop quietly."""


class TransientFault(Exception):
    """The database dropped or refused us for a moment; the run was handed back (queued) and the
    task retries with backoff — a transient fault never ends a run as 失败."""


def _transient_types() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    types: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:  # the driver's own errors: COPY writes through psycopg's cursor, unwrapped by Django
        import psycopg

        types += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(types)


TRANSIENT_DB_ERRORS = _transient_types()


def is_transient(exc: BaseException | None) -> bool:
    """A connection-level database fault (restart, network drop, deadlock, serialization), found
    anywhere in the exception's chain."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TRANSIENT_DB_ERRORS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "ASSESSMENTS_RUN_STALE_SECONDS", 120))


def max_attempts() -> int:
    """Claims after which a run that keeps dying (killed by the kernel, hard time limit) fails for
    good instead of being redelivered forever. Retries after a database fault do not count."""
    return int(getattr(settings, "ASSESSMENTS_RUN_MAX_ATTEMPTS", 6))


def _claim(run_id: int, task_id: str = "") -> tuple[ScoreRun | None, str]:
    lease = uuid.uuid4().hex
    with transaction.atomic():
        run = ScoreRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return None, ""
        now = timezone.now()
        fresh = run.heartbeat_at and now - run.heartbeat_at < stale_after()
        # The same message delivered again means its earlier delivery is gone: Celery redelivers a
        # message only after its worker was lost (reject_on_worker_lost) or on our own retry, and
        # the hard time limit is below the broker's visibility timeout.
        redelivered = bool(task_id) and run.task_id == task_id
        if run.status == RunStatus.RUNNING and fresh and not redelivered:
            return None, ""  # someone is working on it (a duplicate delivery)
        if run.attempts >= max_attempts():
            run.status, run.failure, run.lease = RunStatus.FAILED, RunFailure.ATTEMPTS, ""
            run.finished_at = now
            run.error = f"gave up after {run.attempts} attempts"
            run.save(update_fields=["status", "failure", "lease", "finished_at", "error"])
            log.error("score run %s: %s", run.pk, run.error)
            return None, ""
        run.status = RunStatus.RUNNING
        run.lease = lease
        run.task_id = task_id or ""
        run.heartbeat_at = now
        run.attempts += 1
        run.save(update_fields=["status", "lease", "task_id", "heartbeat_at", "attempts"])
    return run, lease


def _fix_subjects(run: ScoreRun, lease: str, assigned: dict) -> list[int]:
    """The run's subjects: stored at the first attempt and reused on every resume. If one of them
    no longer exists at all (deleted, not merely dissolved) the run starts again from scratch
    with today's subjects, so a resumed run always equals an undisturbed one."""
    stored = list(run.subject_ids or [])
    if stored:
        present = set(Organization.objects.filter(pk__in=stored).values_list("pk", flat=True))
        if len(present) == len(stored):
            return stored
        log.warning("score run %s: %d subjects vanished, starting again", run.pk, len(stored) - len(present))
    ids = sorted(assigned)
    size = run.chunk_size or 500
    with transaction.atomic():
        _locked(run, lease)
        if stored or run.chunks_done:
            # rows written under another subject list (or before lists were stored): start over
            ScoreResult.objects.filter(run=run).delete()
        ScoreRun.objects.filter(pk=run.pk).update(
            subject_ids=ids, chunks_done=0, units_total=len(ids), chunks_total=-(-len(ids) // size)
        )
    run.chunks_done, run.subject_ids = 0, ids
    return ids


def _release_after_fault(run: ScoreRun, lease: str) -> None:
    """Hand the run back (queued, not failed) after a database fault; the retry resumes it from its
    last chunk. If the database is still away this fails too, and the retry's own claim (same
    message) or the sweeper (stale heartbeat) takes over."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # drop a dead connection; the next query reconnects
    try:
        ScoreRun.objects.filter(pk=run.pk, lease=lease).update(
            status=RunStatus.QUEUED, lease="", heartbeat_at=timezone.now(), attempts=F("attempts") - 1
        )
    except TRANSIENT_DB_ERRORS:
        log.warning("score run %s: database still unavailable, the retry will take over", run.pk)


def run_compute(run_id: int, *, progress=None, task_id: str = "") -> ScoreRun | None:
    """Compute (or resume) a run to a draft. Safe to call twice and after a crash.

    Raises ``TransientFault`` after a database fault (the run is queued again, never failed);
    any other error marks the run failed with a reason the page can show in Chinese."""
    try:
        run, lease = _claim(run_id, task_id)
    except TRANSIENT_DB_ERRORS as e:
        raise TransientFault(str(e)) from e
    if run is None:
        return None
    try:
        period = parse_period(run.period)
        plan = scheme_plan(run)
        schemes = [s for s, _i, _b in plan.values()]
        assigned = assign_subjects(schemes)
        indicators = [i for _s, inds, _b in plan.values() for i in inds]
        ids = _fix_subjects(run, lease, assigned)
        if any(i not in assigned for i in ids):  # a stored subject dissolved since: same scheme as before
            assigned.update(assign_by_coverage(schemes, [i for i in ids if i not in assigned]))
        size = run.chunk_size or 500
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        if run.chunks_total != len(chunks) or run.units_total != len(ids):
            ScoreRun.objects.filter(pk=run.pk, lease=lease).update(
                units_total=len(ids), chunks_total=len(chunks)
            )
        index = SubtreeIndex(set(ids))
        delay = float(getattr(settings, "ASSESSMENTS_CHUNK_DELAY", 0) or 0)
        by_id = None
        if getattr(settings, "ASSESSMENTS_SOURCE_SCOPE", "run") == "run" and run.chunks_done < len(chunks):
            # Run-wide: every subject is scored in memory first (a few MB for 5,000 units), so
            # quotas and ranks go into the rows as they are written — no second pass over them.
            raw = run_sources(period=period, index=index, indicators=indicators, org_ids=None)
            rolled = rollup_all(raw, index.owner_map())
            rows = []
            for pk, part in score_subjects(plan, assigned, ids, period=period, index=index, rolled=rolled):
                scheme, _inds, bands = plan[pk]
                apply_quotas(part, bands)
                apply_lagging(part, scheme)
                rows += part
            apply_ranks(rows)
            by_id = {r["organization_id"]: r for r in rows}
        for n in range(run.chunks_done, len(chunks)):
            if by_id is not None:
                rows = [by_id[i] for i in chunks[n]]
            else:
                owner = index.rollup_map(chunks[n])
                raw = run_sources(period=period, index=index, indicators=indicators, org_ids=list(owner))
                rolled = rollup_all(raw, owner)
                rows = [r for _pk, part in score_subjects(plan, assigned, chunks[n], period=period,
                                                          index=index, rolled=rolled) for r in part]  # fmt: skip
            if delay:
                time.sleep(delay)  # tests only: room to kill a worker half-way
            _write_chunk(run, lease, n, chunks[n], rows)
            if progress:
                progress(n + 1, len(chunks))
        _finish(run, lease, plan, ranked=by_id is not None)
    except LeaseLost:
        log.warning("score run %s: lease lost, another worker continues", run.pk)
        return None
    except Exception as e:
        if is_transient(e):
            log.warning("score run %s: database fault, queued for a retry: %s", run.pk, e)
            _release_after_fault(run, lease)
            raise TransientFault(str(e)) from e
        failure = RunFailure.TIME_LIMIT if type(e).__name__ == "SoftTimeLimitExceeded" else RunFailure.ERROR
        log.exception("score run %s failed (%s)", run.pk, failure)
        ScoreRun.objects.filter(pk=run.pk, lease=lease).update(
            status=RunStatus.FAILED, failure=failure, error=f"{type(e).__name__}: {e}"[:2000], lease="",
            finished_at=timezone.now(),
        )  # fmt: skip
        raise
    run.refresh_from_db()
    return run


def scheme_plan(run: ScoreRun) -> dict[int, tuple[Scheme, list, list]]:
    """The run's schemes (every published scheme of its year and kind when it started; older
    runs: its one scheme), each with its indicators and bands (best first)."""
    schemes = list(run.schemes.select_related("scope").prefetch_related("branch_types")) or [run.scheme]
    return {s.pk: (s, list(s.indicators.all()), list(s.bands.order_by("-min_score"))) for s in schemes}


def score_subjects(plan, assigned, ids, *, period, index, rolled):
    """Score ``ids`` grouped by the scheme assigned to each: ``[(scheme id, rows)]``."""
    groups: dict[int, list[int]] = {}
    for sid in ids:
        groups.setdefault(assigned[sid].pk, []).append(sid)
    out = []
    for pk, sids in groups.items():
        scheme, inds, bands = plan[pk]
        out.append((pk, compute_chunk(scheme=scheme, period=period, chunk=sids, index=index,
                                      indicators=inds, bands=bands, rolled=rolled)))  # fmt: skip
    return out


def _locked(run: ScoreRun, lease: str) -> ScoreRun:
    locked = ScoreRun.objects.select_for_update().get(pk=run.pk)
    if locked.lease != lease or locked.status != RunStatus.RUNNING:
        raise LeaseLost
    return locked


_RESULT_COLUMNS = (
    "run_id", "scheme_id", "organization_id", "township_id", "domain", "period", "kind", "scheme_version", "base", "bonus",
    "deduction", "total", "vetoed", "innovation", "grade", "grade_label", "stars", "lagging", "rank_city",
    "rank_township", "rank_domain", "breakdown",
)  # fmt: skip
#: The columns' PostgreSQL types, for binary COPY (a mismatch fails loudly, never converts).
_RESULT_PG_TYPES = (
    "int8", "int8", "int8", "int8", "varchar", "varchar", "varchar", "int2", "numeric", "numeric",
    "numeric", "numeric", "bool", "bool", "varchar", "varchar", "int2", "bool", "int4",
    "int4", "int4", "text",
)  # fmt: skip


def _insert_results(run: ScoreRun, rows: list[dict]) -> None:
    """Insert the chunk's results: COPY on PostgreSQL, multi-row INSERTs of 500 on SQLite
    (bulk_create's per-field overhead was a third of the job at 5,000 units)."""
    qn = connection.ops.quote_name
    table = qn(ScoreResult._meta.db_table)
    cols = ", ".join(qn(c) for c in _RESULT_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(_RESULT_COLUMNS)) + ")"
    versions = dict(Scheme.objects.filter(pk__in={r["scheme_id"] for r in rows}).values_list("pk", "version"))
    values = [
        (run.pk, r["scheme_id"], r["organization_id"], r["township_id"], r["domain"] or "", run.period, run.kind, versions[r["scheme_id"]],
         r["base"], r["bonus"], r["deduction"], r["total"], r["vetoed"], r["innovation"], r["grade"],
         r["grade_label"], r["stars"], r["lagging"], r["rank_city"], r["rank_township"], r["rank_domain"],
         r["breakdown"] if isinstance(r["breakdown"], str) else _json(r["breakdown"]))
        for r in rows
    ]  # fmt: skip
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # binary COPY: the fastest way in, same rows
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_RESULT_PG_TYPES)  # no text escaping of the ~4 KB breakdowns
                for row in values:
                    copy.write_row(row)
        else:
            for i in range(0, len(values), 500):
                part = values[i : i + 500]
                cur.execute(
                    f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([one] * len(part)),
                    [v for r in part for v in r],
                )


def _write_chunk(run: ScoreRun, lease: str, n: int, chunk: list[int], rows: list[dict]) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The chunk and the counter commit together, and a run resumes from the counter: a
            # chunk lost in a database crash is simply computed again, so don't wait for the WAL
            # flush on each chunk (the final step, which makes the run a draft, still does).
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        locked = _locked(run, lease)
        if locked.chunks_done != n:
            raise LeaseLost
        if locked.attempts > 1:
            # A chunk's rows commit with the counter, so a first attempt has nothing to replace;
            # a resumed run may (its subject list can have shifted since the first attempt).
            ScoreResult.objects.filter(run=run, organization_id__in=chunk).delete()
        _insert_results(run, rows)
        ScoreRun.objects.filter(pk=run.pk).update(
            chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now(), sweeps=0
        )  # progress: the sweeps so far were not a recurring fault


RANK_SQL = """
UPDATE {t} SET rank_city = r.rc, rank_township = r.rt, rank_domain = r.rd
FROM (
  SELECT id,
    RANK() OVER (PARTITION BY scheme_id ORDER BY vetoed, total DESC) AS rc,
    RANK() OVER (PARTITION BY scheme_id, township_id ORDER BY vetoed, total DESC) AS rt,
    RANK() OVER (PARTITION BY scheme_id, domain ORDER BY vetoed, total DESC) AS rd
  FROM {t} WHERE run_id = %s
) AS r
WHERE {t}.id = r.id
"""


def _apply_quotas(run: ScoreRun, scheme: Scheme, bands: list[GradeBand]) -> None:
    """A band with a quota keeps its best ``quota %`` of the scheme's units in the run; the others
    fall one band down (still 后进 if the scheme's own rule made them so)."""
    mine = ScoreResult.objects.filter(run=run, scheme=scheme)
    n = mine.count()
    for i, b in enumerate(bands):
        if b.quota_percent is None or i + 1 >= len(bands):
            continue
        allowed = int(n * b.quota_percent / 100)
        over = list(
            mine.filter(grade=b.code)
            .order_by("-total", "organization_id")
            .values_list("id", flat=True)[allowed:]
        )
        if over:
            nxt = bands[i + 1]
            rule = Q(vetoed=True) if scheme.lagging_vetoed else Q(pk__in=[])
            if scheme.lagging_below is not None:
                rule |= Q(total__lt=scheme.lagging_below)
            ScoreResult.objects.filter(id__in=over).update(
                grade=nxt.code, grade_label=nxt.label, stars=nxt.stars,
                lagging=Value(True) if nxt.is_lagging else Case(When(rule, then=Value(True)), default=Value(False)),
            )  # fmt: skip


def _apply_lagging(run: ScoreRun, scheme: Scheme) -> None:
    """The 末位 n % rule for a chunked run: the same ``bottom_ids`` over the written rows."""
    if scheme.lagging_bottom_percent is None:
        return
    rows = list(ScoreResult.objects.filter(run=run, scheme=scheme).values_list("id", "vetoed", "total"))
    ids = bottom_ids(rows, scheme.lagging_bottom_percent)
    ScoreResult.objects.filter(id__in=ids).update(lagging=True)


def _finish(run: ScoreRun, lease: str, plan: dict, *, ranked: bool = False) -> None:
    """Mark the run a draft — or put it on 公示 at once when it recomputes a run that was on
    notice (a new notice period starts; it can never publish at once); chunk-scoped runs first
    apply quotas, the 末位 rule and ranks in SQL (run-wide runs wrote them with the rows)."""
    with transaction.atomic():
        locked = _locked(run, lease)
        if not ranked:
            for scheme, _inds, bands in plan.values():
                _apply_quotas(run, scheme, bands)
                _apply_lagging(run, scheme)
            with connection.cursor() as cur:
                cur.execute(RANK_SQL.format(t=ScoreResult._meta.db_table), [run.pk])
        done = {"status": RunStatus.DRAFT}
        if locked.notice_on_finish:
            done = {
                "status": RunStatus.NOTICE,
                "notice_until": timezone.localdate() + timedelta(days=locked.scheme.notice_days),
            }
        ScoreRun.objects.filter(pk=run.pk).update(
            **done, finished_at=timezone.now(), heartbeat_at=timezone.now(), lease=""
        )


def stale_runs():
    """Runs a worker should be on but nobody is: queued or running with an old heartbeat (a queued
    run whose message was lost — Redis restarted without AOF, the broker down when it was
    started — counts as soon as it is older than the stale age), and runs that failed for a
    transient database fault (older versions ended those 失败)."""
    from django.db.models import Exists, OuterRef

    from .models import ACTIVE_RUN_STATUSES

    cutoff = timezone.now() - stale_after()
    superseded = ScoreRun.objects.filter(
        period=OuterRef("period"), kind=OuterRef("kind"), status__in=ACTIVE_RUN_STATUSES
    )
    return (
        ScoreRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], heartbeat_at__lt=cutoff)
        | ScoreRun.objects.filter(status=RunStatus.QUEUED, heartbeat_at__isnull=True, created_at__lt=cutoff)
        | ScoreRun.objects.filter(status=RunStatus.FAILED, failure=RunFailure.TRANSIENT).exclude(
            Exists(superseded)
        )
    )


def requeue_transient_failure(run_id: int) -> bool:
    """A run that ended 失败 for a database fault goes back to 排队中 (unless another run of its
    period and kind is active by now: then it stays as it is)."""
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            n = ScoreRun.objects.filter(pk=run_id, status=RunStatus.FAILED, failure=RunFailure.TRANSIENT).update(
                status=RunStatus.QUEUED, failure="", error="", lease="", heartbeat_at=timezone.now(),
                finished_at=None,
            )  # fmt: skip
    except IntegrityError:  # another run of the period became active meanwhile: this one stays failed
        return False
    return bool(n)
