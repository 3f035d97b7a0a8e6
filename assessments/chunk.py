"""One chunk of a run: sources run, raw values mapped to points, quotas, 末位 and ranks in memory."""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils.translation import gettext as _

from .mapping import TWO, grade_for, make_mapper, months_value, raw_value, veto_hit
from .models import GradeBand, IndicatorKind, Scheme, VetoEffect
from .periods import Period
from .sources import SourceContext, get_source
from .subjects import SubtreeIndex, rollup_all


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
