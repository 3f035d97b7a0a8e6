"""The scoring engine: periods, raw → points, chunked and resumable runs.

A run walks the subjects (units or branches, ordered by id) in chunks. For each chunk it runs
each indicator's source once (one SQL statement for all organizations in the chunk's subtrees),
maps raw values to points as the scheme says, and replaces the chunk's result rows in one
transaction together with the progress counter — so a killed worker loses at most one chunk's
work and a rerun writes the same rows. A lease on the run row (``select_for_update``) keeps two
workers from writing the same run; a stale heartbeat lets the sweeper hand the run to another.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Level, Organization, OrgForm, OrgStatus

from .models import (
    ConditionOp,
    GradeBand,
    Indicator,
    IndicatorKind,
    Mapping,
    RunFailure,
    RunStatus,
    Scheme,
    ScoreResult,
    ScoreRun,
    Subject,
    VetoEffect,
)
from .sources import SourceContext, get_source

log = logging.getLogger(__name__)
TWO = Decimal("0.01")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    code: str  # 2023Q3, 2023H1, 2023
    shape: str  # Q, H, Y
    year: int
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.shape == "Q":
            return _("%(y)s年第%(q)s季度") % {"y": self.year, "q": self.code[-1]}
        if self.shape == "H":
            return (
                _("%(y)s年上半年") % {"y": self.year}
                if self.code.endswith("1")
                else _("%(y)s年下半年") % {"y": self.year}
            )
        return _("%(y)s年度") % {"y": self.year}


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def parse_period(code: str) -> Period:
    """``2023Q3`` (quarter), ``2023H1`` (half-year) or ``2023`` (year)."""
    code = (code or "").strip().upper()
    m = re.fullmatch(r"(\d{4})(?:([QH])(\d))?", code)
    if not m:
        raise PeriodError(_("考核期格式应为 2023Q3、2023H1 或 2023，收到“%(c)s”。") % {"c": code})
    y = int(m.group(1))
    if not m.group(2):
        return Period(code, "Y", y, date(y, 1, 1), date(y, 12, 31))
    n = int(m.group(3))
    if m.group(2) == "Q":
        if not 1 <= n <= 4:
            raise PeriodError(_("季度应为 1–4。"))
        return Period(code, "Q", y, date(y, 3 * n - 2, 1), _month_end(y, 3 * n))
    if not 1 <= n <= 2:
        raise PeriodError(_("半年应为 H1 或 H2。"))
    return Period(code, "H", y, date(y, 6 * n - 5, 1), _month_end(y, 6 * n))


def quarters_of(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def previous_quarter(today: date) -> str:
    q = (today.month - 1) // 3 + 1
    y = today.year
    q -= 1
    if q == 0:
        y, q = y - 1, 4
    return f"{y}Q{q}"


# --- raw → points ----------------------------------------------------------------------------------


def _dec(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def raw_value(shape: str, rolled, default):
    """A ratio's (num, den) → num/den; no data → the indicator's default (None: no data)."""
    if shape == "ratio":
        num, den = rolled if rolled else (0, 0)
        if not den:
            return None if default is None else _dec(default)
        return _dec(num) / _dec(den)
    if rolled is None:
        return _dec(default) if default is not None else Decimal(0)
    return _dec(rolled)


def make_mapper(ind: Indicator):
    """raw → points (≥ 0; deductions are subtracted by the caller), parameters parsed once."""
    p = ind.params or {}
    w = _dec(ind.weight)
    zero = Decimal(0)

    def done(pts: Decimal) -> Decimal:
        return pts.quantize(TWO, ROUND_HALF_UP)

    if ind.mapping == Mapping.LINEAR:
        lo, hi = _dec(p.get("lo", 0)), _dec(p.get("hi", 1))
        span = hi - lo

        def f(raw):
            return done(w * min(max((raw - lo) / span, zero), Decimal(1)))

    elif ind.mapping == Mapping.THRESHOLDS:
        steps = [(_dec(low), _dec(val)) for low, val in p.get("steps", [])]

        def f(raw):
            return done(next((val for low, val in steps if raw >= low), zero))

    elif ind.mapping == Mapping.PER_ITEM:
        per, cap = _dec(p["per_item"]), _dec(p.get("cap", ind.weight))

        def f(raw):
            return done(min(raw * per, cap) if cap else raw * per)

    elif ind.mapping == Mapping.DIRECT:

        def f(raw):
            return done(min(max(raw, zero), w))

    else:  # FLAG

        def f(raw):
            return done(w if raw > 0 else zero)

    return lambda raw: zero if raw is None else f(raw)


def grade_for(bands: list[GradeBand], total: Decimal, *, vetoed: bool, innovation: bool) -> GradeBand | None:
    """The best band the total reaches (bands ordered best first). A veto gives the band marked
    后进 when there is one, otherwise no band; a total below every band gets no band."""
    lagging = next((b for b in bands if b.is_lagging), None)
    if vetoed:
        return lagging
    for b in bands:
        if total >= b.min_score and (innovation or not b.requires_innovation):
            return b
    return lagging


_OPS = {
    ConditionOp.GT: lambda v, x: v > x,
    ConditionOp.GE: lambda v, x: v >= x,
    ConditionOp.LT: lambda v, x: v < x,
    ConditionOp.LE: lambda v, x: v <= x,
    ConditionOp.EQ: lambda v, x: v == x,
    ConditionOp.STREAK: lambda v, x: v >= x,  # the raw value of a monthly veto is the longest gap
}


def veto_hit(ind: Indicator, value: Decimal | None) -> bool:
    """Whether a veto item (一票否决 / 清零) fires: its condition on the raw value, or any value
    above 0 when it has none. No data (and no default) never fires."""
    if value is None:
        return False
    if not ind.condition_op:
        return value > 0
    return _OPS[ind.condition_op](value, _dec(ind.condition_value))


def longest_gap(mask: int, months: int) -> int:
    """The longest run of consecutive months without activity among the window's ``months``
    (bit 0 = the last month)."""
    best = run = 0
    for i in range(months):
        run = 0 if mask >> i & 1 else run + 1
        best = max(best, run)
    return best


def period_months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def months_value(ind: Indicator, mask, window: int, period: Period) -> Decimal:
    """A monthly source's raw value: for a "连续 n 个月没有" veto the longest gap in the window,
    otherwise the number of the period's months with activity."""
    mask = mask or 0
    if ind.condition_op == ConditionOp.STREAK:
        return Decimal(longest_gap(mask, window))
    return Decimal(bin(mask & ((1 << period_months(period)) - 1)).count("1"))


# --- subjects and subtrees ---------------------------------------------------------------------------


def subject_queryset(scheme: Scheme):
    """The organizations a scheme scores: its subject kind within its coverage (subtree, domains,
    branch types)."""
    qs = Organization.objects.filter(status=OrgStatus.ACTIVE)
    if scheme.subject == Subject.BRANCH:
        qs = qs.filter(org_form=OrgForm.BRANCH, level__in=[Level.UNIT, Level.BRANCH])
    else:
        qs = qs.filter(level=Level.UNIT)
    if scheme.scope_id:
        qs = qs.filter(path__startswith=scheme.scope.path)
    if scheme.domains:
        qs = qs.filter(domain__in=scheme.domains)
    type_ids = [t.pk for t in scheme.branch_types.all()]
    if type_ids:
        qs = qs.filter(branch_type_id__in=type_ids)
    return qs


def specificity(scheme: Scheme) -> tuple:
    """How specific a scheme's coverage is: the deepest subtree first, then how many kinds of
    restriction (domains, branch types) it adds; the later scheme breaks a tie."""
    depth = scheme.scope.depth if scheme.scope_id else 0
    restricted = int(bool(scheme.domains)) + int(bool(scheme.branch_types.all()))
    return (depth, restricted, scheme.pk)


def assign_subjects(schemes: list[Scheme]) -> dict[int, Scheme]:
    """subject id → the most specific of ``schemes`` that covers it (one query per scheme)."""
    out: dict[int, Scheme] = {}
    for s in sorted(schemes, key=specificity):  # broadest first: the more specific overwrite
        for oid in subject_queryset(s).values_list("id", flat=True):
            out[oid] = s
    return out


def assign_by_coverage(schemes: list[Scheme], ids: list[int]) -> dict[int, Scheme]:
    """The most specific scheme covering each of ``ids`` by coverage alone (subtree, domains,
    branch types) — for a resumed run's subjects that are no longer active (one query)."""
    ordered = sorted(schemes, key=specificity, reverse=True)
    out = {}
    for oid, path, domain, type_id in Organization.objects.filter(pk__in=ids).values_list(
        "id", "path", "domain", "branch_type_id"
    ):
        out[oid] = next(
            (
                s
                for s in ordered
                if (not s.scope_id or path.startswith(s.scope.path))
                and (not s.domains or domain in s.domains)
                and (not s.branch_types.all() or type_id in {t.pk for t in s.branch_types.all()})
            ),
            ordered[-1],
        )
    return out


def subject_ids(scheme: Scheme) -> list[int]:
    return list(subject_queryset(scheme).order_by("id").values_list("id", flat=True))


class SubtreeIndex:
    """Maps every organization to the nearest subject at or above it — built from one query."""

    def __init__(self, subject_id_set: set[int]):
        rows = list(Organization.objects.order_by("path").values_list("id", "path", "domain", "township_id"))
        self.paths = [r[1] for r in rows]
        self.ids = [r[0] for r in rows]
        self.info = {r[0]: (r[1], r[2], r[3]) for r in rows}
        self.by_path = {r[1]: r[0] for r in rows}
        self.subjects = subject_id_set

    def descendants(self, oid: int) -> list[int]:
        """The subtree of ``oid`` (itself included) — a contiguous range in path order."""
        path = self.info[oid][0]
        i = bisect_right(self.paths, path) - 1
        out = []
        while i < len(self.paths) and self.paths[i].startswith(path):
            out.append(self.ids[i])
            i += 1
        return out

    def owner_of(self, oid: int) -> int | None:
        """The nearest subject at or above ``oid`` (subjects may nest: a unit above its branches)."""
        path = self.info[oid][0]
        step = Organization.steplen
        for k in range(len(path), 0, -step):
            pid = self.by_path.get(path[:k])
            if pid in self.subjects:
                return pid
        return None

    def rollup_map(self, chunk: list[int]) -> dict[int, int]:
        """organization id → the chunk subject its rows count for."""
        out: dict[int, int] = {}
        for sid in chunk:
            for oid in self.descendants(sid):
                if oid == sid or self.owner_of(oid) == sid:
                    out[oid] = sid
        return out

    def owner_map(self) -> dict[int, int]:
        """organization id → the subject its rows count for, for the whole city at once."""
        out: dict[int, int] = {}
        for oid in self.ids:
            sid = self.owner_of(oid)
            if sid is not None:
                out[oid] = sid
        return out


def _rollup(shape: str, rows: dict, owner: dict[int, int], how: str = "sum") -> dict[int, object]:
    out: dict[int, object] = {}
    for oid, v in rows.items():
        if oid is None:  # a source-wide value (a monthly source's window length)
            out[None] = v
            continue
        sid = owner.get(oid)
        if sid is None:
            continue
        if shape == "ratio":
            n, d = out.get(sid, (0, 0))
            out[sid] = (n + v[0], d + v[1])
        elif how == "max":
            out[sid] = max(out.get(sid, v or 0), v or 0)
        elif how == "or":
            out[sid] = out.get(sid, 0) | (v or 0)
        else:
            out[sid] = out.get(sid, 0) + (v or 0)
    return out


def rollup_all(raw: dict[str, dict], owner: dict[int, int]) -> dict[str, dict]:
    """Each source's rows summed up to the subjects (a unit's score includes its branches; a
    highest level takes the highest, monthly activity the months of any of them)."""
    out = {}
    for name, rows in raw.items():
        src = get_source(name)
        out[name] = _rollup(src.shape, rows, owner, src.rollup)
    return out


# --- one chunk ---------------------------------------------------------------------------------------


def source_names(indicators) -> list[str]:
    return sorted({i.source for i in indicators} | {"entered:innovation"})


def run_sources(
    *, period: Period, index: SubtreeIndex, indicators, org_ids: list[int] | None
) -> dict[str, dict]:
    """Each source's raw rows (per organization): one statement per source."""
    ctx = SourceContext(
        org_ids=org_ids,
        start=period.start,
        end=period.end,
        period=period.code,
        year=period.year,
        domains={oid: info[1] for oid, info in index.info.items()},
    )
    return {name: get_source(name).fn(ctx) for name in source_names(indicators)}


def _json(x) -> str:
    return json.dumps(x, ensure_ascii=False, separators=(",", ":"), default=float)  # Decimal sums (万元)


def compute_chunk(
    *,
    scheme: Scheme,
    period: Period,
    chunk: list[int],
    index: SubtreeIndex,
    indicators,
    bands,
    raw: dict | None = None,
    rolled: dict | None = None,
) -> list[dict]:
    """Scores for the chunk's subjects: a list of field dicts for ``ScoreResult`` (not saved).

    ``rolled``: the run-wide source rows already summed up to the subjects (``rollup_all``);
    ``raw``: the run-wide rows per organization; with neither the sources run for this chunk.
    The breakdown comes back as its JSON text: each indicator's fixed part is rendered once and
    each distinct raw value is mapped to points once (many units share a value)."""
    if rolled is None:
        owner = index.rollup_map(chunk)
        if raw is None:
            raw = run_sources(period=period, index=index, indicators=indicators, org_ids=list(owner))
        rolled = rollup_all({n: raw[n] for n in source_names(indicators)}, owner)
    zeroing = {ind.pk for ind in indicators if (ind.veto_effect or scheme.veto_effect) == VetoEffect.ZERO}
    q4 = Decimal("0.0001")
    zero = Decimal(0)
    kinds = {IndicatorKind.BASE: 0, IndicatorKind.BONUS: 1, IndicatorKind.DEDUCTION: 2, IndicatorKind.VETO: 3}

    def line_maker(ind, shape, default, values, mapper, head, tail):
        """raw value → (kind slot, points, fires, zeroes, the breakdown line) — computed once per
        distinct raw value of the indicator (few: most units share a value)."""
        slot = kinds.get(ind.kind, -1)
        zeroes = ind.pk in zeroing
        window = values.get(None, 0)

        def make(r):
            if shape == "months":
                value = months_value(ind, r, window, period)
            else:
                value = raw_value(shape, r, default)
            pts = mapper(value)
            hit = slot == 3 and veto_hit(ind, value)
            return (
                slot,
                pts,
                hit,
                hit and zeroes,
                head
                + ',"raw":' + ("null" if value is None else _json(float(value.quantize(q4))))
                + ',"num":' + (_json(list(r)) if isinstance(r, tuple) else "null")
                + ',"points":' + _json(float(-pts if slot == 2 else pts))
                + tail
                + (',"vetoed":true}' if hit else ',"vetoed":false}'),
            )  # fmt: skip

        return make

    plans: dict[str, list] = {}
    for ind in indicators:
        head = _json({"code": ind.code, "name": ind.name, "kind": ind.kind, "source": ind.source})[:-1]
        values = rolled[ind.source]
        make = line_maker(ind, get_source(ind.source).shape, (ind.params or {}).get("default"), values,
                          make_mapper(ind), head, ',"max":' + _json(float(ind.weight)))  # fmt: skip
        plans.setdefault(ind.domain, []).append((ind, values, {}, make))
    common = plans.get("", [])
    ordered = {
        d: [x[1:] for x in sorted(common + lst, key=lambda x: (x[0].sort_order, x[0].pk or 0))]
        for d, lst in plans.items()
        if d
    }
    ordered[""] = [x[1:] for x in sorted(common, key=lambda x: (x[0].sort_order, x[0].pk or 0))]
    innovations = rolled["entered:innovation"]

    out = []
    for sid in chunk:
        path, domain, township_id = index.info[sid]
        sums = [zero, zero, zero, zero]
        vetoed = zeroed = False
        lines = []
        for values, memo, make in ordered.get(domain or "", ordered[""]):
            r = values.get(sid)
            m = memo.get(r)
            if m is None:
                m = memo[r] = make(r)
            slot, pts, hit, zeroes, line = m
            if slot >= 0:
                sums[slot] += pts
            if hit:
                vetoed = True
                zeroed = zeroed or zeroes
            lines.append(line)
        base, bonus, deduction = sums[0], sums[1], sums[2]
        if scheme.bonus_cap is not None:
            bonus = min(bonus, scheme.bonus_cap)
        if scheme.deduction_cap is not None:
            deduction = min(deduction, scheme.deduction_cap)
        total = max(base + bonus - deduction, zero)
        if zeroed:  # 清零
            total = zero
        innovation = bool(innovations.get(sid))
        band = grade_for(bands, total, vetoed=vetoed, innovation=innovation)
        rule_lag = (vetoed and scheme.lagging_vetoed) or (
            scheme.lagging_below is not None and total < scheme.lagging_below
        )
        out.append(
            dict(
                organization_id=sid,
                scheme_id=scheme.pk,
                _rule_lag=rule_lag,
                township_id=township_id,
                domain=domain or "",
                base=base.quantize(TWO),
                bonus=bonus.quantize(TWO),
                deduction=deduction.quantize(TWO),
                total=total.quantize(TWO),
                vetoed=vetoed,
                innovation=innovation,
                grade=band.code if band else ("vetoed" if vetoed else ""),
                grade_label=band.label if band else (_("一票否决") if vetoed else _("未达最低等次")),
                stars=band.stars if band else 0,
                lagging=bool(band and band.is_lagging) or rule_lag,
                rank_city=None,
                rank_township=None,
                rank_domain=None,
                breakdown="[" + ",".join(lines) + "]",
            )
        )
    return out


def apply_quotas(rows: list[dict], bands: list[GradeBand]) -> None:
    """A band with a quota keeps its best ``quota %`` of the run (by total, then organization id);
    the others fall one band down — in memory, the same rule as ``_apply_quotas`` in SQL."""
    n = len(rows)
    for i, b in enumerate(bands):
        if b.quota_percent is None or i + 1 >= len(bands):
            continue
        allowed = int(n * b.quota_percent / 100)
        inside = sorted(
            (r for r in rows if r["grade"] == b.code), key=lambda r: (-r["total"], r["organization_id"])
        )
        nxt = bands[i + 1]
        for r in inside[allowed:]:
            r.update(grade=nxt.code, grade_label=nxt.label, stars=nxt.stars,
                     lagging=nxt.is_lagging or r.get("_rule_lag", False))  # fmt: skip


def bottom_ids(rows, percent) -> set[int]:
    """The 末位 n % of a scheme's units: the ``floor(n × percent / 100)`` lowest in rank order
    (a vetoed unit below every other, then by total), and every unit tied with the last of them."""
    k = int(len(rows) * Decimal(percent) / 100)
    if k <= 0:
        return set()
    order = sorted(rows, key=lambda r: (not r[1], r[2]))  # (id, vetoed, total): worst first
    cut = (order[k - 1][1], order[k - 1][2])
    return {r[0] for i, r in enumerate(order) if i < k or (r[1], r[2]) == cut}


def apply_lagging(rows: list[dict], scheme: Scheme) -> None:
    """The scheme's 末位 rule, in memory (``_apply_lagging`` does it in SQL for chunked runs)."""
    if scheme.lagging_bottom_percent is None:
        return
    ids = bottom_ids(
        [(r["organization_id"], r["vetoed"], r["total"]) for r in rows], scheme.lagging_bottom_percent
    )
    for r in rows:
        if r["organization_id"] in ids:
            r["lagging"] = True


def apply_ranks(rows: list[dict]) -> None:
    """Ranks in the city, the township and the domain: by total, a vetoed unit after every unit
    that was not (一票否决 puts it at the bottom whatever its points); ties share a rank and the
    next rank skips (1, 2, 2, 4) — the same as ``RANK_SQL``."""
    for field, part in (("rank_city", None), ("rank_township", "township_id"), ("rank_domain", "domain")):
        groups: dict = {}
        for r in rows:  # units scored by different schemes are ranked apart
            groups.setdefault((r.get("scheme_id"), r[part] if part else None), []).append(r)
        for group in groups.values():
            group.sort(key=lambda r: (r["vetoed"], -r["total"]))
            prev, rank = None, 0
            for i, r in enumerate(group, 1):
                key = (r["vetoed"], r["total"])
                if key != prev:
                    prev, rank = key, i
                r[field] = rank


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
