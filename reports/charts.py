"""Server-side SVG charts: the same markup in the page and in the PDF (WeasyPrint runs no JS).

Grey-safe: series differ by fill pattern (solid, hatch, dots) as well as by tone, every bar and
point carries its value as text, and each chart has ``role="img"``, ``<title>`` and ``aria-label``.
All text is escaped here; callers pass plain strings.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from branches.models import Element

_ids = itertools.count(1)
TONES = ("#1f3a5f", "#6b6b6b", "#a8a8a8", "#3d3d3d")
DASHES = ("", "6 3", "2 3", "10 3 2 3")


def _num(v) -> float:
    if v is None:
        return 0.0
    return float(v) if not isinstance(v, Decimal) else float(v)


def _fmt(v, unit: str) -> str:
    if v is None:
        return "—"
    f = _num(v)
    s = f"{f:.1f}".rstrip("0").rstrip(".") if f != int(f) else str(int(f))
    return f"{s}{unit}"


def _fit(text: str, space: float, px: float = 11) -> str:
    """``text`` cut to what fits in ``space`` px at ``px`` per (CJK) character, so labels of
    neighbouring groups never overlap."""
    n = max(int(space // px), 1)
    return text if len(text) <= n else text[: max(n - 1, 1)] + "…"


def _patterns(uid: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{uid}-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="{TONES[1]}"/></pattern>'
        f'<pattern id="{uid}-p2" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.4" fill="{TONES[3]}"/></pattern>'
        "</defs>"
    )


def _fill(uid: str, i: int) -> str:
    return [TONES[0], f"url(#{uid}-p1)", f"url(#{uid}-p2)", TONES[2]][i % 4]


def _open(uid: str, width: int, height: int, title: str, desc: str) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'aria-label="{t}" font-family="PB Noto Sans SC, Noto Sans CJK SC, sans-serif" font-size="11">'
        f'<title id="{uid}-t">{t}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def bar_chart(
    items: Sequence[tuple[str, object]],
    *,
    title: str,
    unit: str = "%",
    max_value: float | None = 100,
    target: float | None = None,
    width: int = 440,
) -> SafeString:
    """Horizontal bars, one per (label, value); an optional target line (目标值)."""
    uid = f"c{next(_ids)}"
    row, label_w, pad = 22, 144, 8
    values = [_num(v) for _, v in items]
    top = max([max_value or 0, *values, target or 0]) or 1
    plot_w = width - label_w - 60
    height = pad * 2 + row * max(len(items), 1) + (16 if target is not None else 0)
    desc = "；".join(f"{label}：{_fmt(v, unit)}" for label, v in items) or "暂无数据"
    out = [_open(uid, width, height, title, desc), _patterns(uid)]
    if not items:
        out.append(f'<text x="{pad}" y="{pad + 14}" fill="#333">暂无数据</text>')
    for i, (label, v) in enumerate(items):
        y = pad + i * row
        w = max(0.0, _num(v)) / top * plot_w
        full = str(label)
        lab = escape(full)
        short = escape(full if len(full) <= 12 else full[:11] + "…")
        out.append(
            f"<g><title>{lab}：{escape(_fmt(v, unit))}</title>"
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="#111">{short}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{TONES[0]}" stroke="#111" stroke-width="0.5"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" fill="#111">{escape(_fmt(v, unit))}</text></g>'
        )
    if target is not None:
        x = label_w + _num(target) / top * plot_w
        out.append(
            f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{height - 14}" stroke="#000" stroke-width="1.2" stroke-dasharray="4 2"/>'
            f'<text x="{x:.1f}" y="{height - 3}" text-anchor="middle" fill="#000">目标 {escape(_fmt(target, unit))}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
    *,
    title: str,
    unit: str = "%",
    max_value: float | None = 100,
    width: int = 640,
) -> SafeString:
    """Vertical grouped bars (e.g. townships × {done, late}); series told apart by pattern."""
    uid = f"c{next(_ids)}"
    height, left, bottom, top_pad = 240, 36, 48, 24
    plot_h = height - bottom - top_pad
    vals = [_num(v) for _, vs in series for v in vs]
    top = max([max_value or 0, *vals]) or 1
    n = max(len(categories), 1)
    group_w = (width - left - 10) / n
    bar_w = max(4.0, group_w * 0.8 / max(len(series), 1))
    desc = "；".join(
        f"{c}：" + "，".join(f"{name} {_fmt(vs[i], unit)}" for name, vs in series)
        for i, c in enumerate(categories)
    )
    out = [_open(uid, width, height, title, desc or "暂无数据"), _patterns(uid)]
    out.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 5}" y2="{top_pad + plot_h}" stroke="#111"/>'
    )
    for gi, c in enumerate(categories):
        gx = left + gi * group_w + group_w * 0.1
        for si, (name, vs) in enumerate(series):
            v = _num(vs[gi])
            h = max(0.0, v) / top * plot_h
            x = gx + si * bar_w
            out.append(
                f"<g><title>{escape(c)} · {escape(name)}：{escape(_fmt(vs[gi], unit))}</title>"
                f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{_fill(uid, si)}" stroke="#111" stroke-width="0.5"/>'
                + (
                    f'<text x="{x + bar_w / 2:.1f}" y="{top_pad + plot_h - h - 2:.1f}" text-anchor="middle" font-size="11">{escape(_fmt(vs[gi], ""))}</text>'
                    if bar_w >= 7 * len(_fmt(vs[gi], "")) + 4  # 11 px digits: the value fits its bar
                    else ""
                )
                + "</g>"
            )
        out.append(
            f'<text x="{gx + group_w * 0.4:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle">{escape(_fit(str(c), group_w))}</text>'
        )
    for si, (name, _) in enumerate(series):
        lx = left + si * 110
        out.append(
            f'<rect x="{lx}" y="{height - 16}" width="12" height="10" fill="{_fill(uid, si)}" stroke="#111" stroke-width="0.5"/>'
            f'<text x="{lx + 16}" y="{height - 7}">{escape(name)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = 100,
    width: int = 640,
) -> SafeString:
    """Trend lines (e.g. quarterly scores); series told apart by dash pattern and marker shape."""
    uid = f"c{next(_ids)}"
    height, left, bottom, top_pad, right = 200, 40, 40, 16, 20
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    vals = [_num(v) for _, vs in series for v in vs if v is not None]
    top = max([max_value or 0, *vals]) or 1
    n = max(len(x_labels) - 1, 1)
    desc = "；".join(
        f"{name}：" + "，".join(f"{x} {_fmt(v, unit)}" for x, v in zip(x_labels, vs, strict=False))
        for name, vs in series
    )
    out = [_open(uid, width, height, title, desc or "暂无数据")]
    for k in range(5):
        y = top_pad + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{escape(_fmt(top * k / 4, ""))}</text>'
        )
    for i, x in enumerate(x_labels):
        px = left + plot_w * i / n
        out.append(f'<text x="{px:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle">{escape(x)}</text>')
    for si, (name, vs) in enumerate(series):
        pts = [
            (left + plot_w * i / n, top_pad + plot_h - _num(v) / top * plot_h, v)
            for i, v in enumerate(vs)
            if v is not None
        ]
        dash = f' stroke-dasharray="{DASHES[si % 4]}"' if DASHES[si % 4] else ""
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)
            out.append(
                f'<polyline points="{d}" fill="none" stroke="{TONES[si % 4]}" stroke-width="2"{dash}/>'
            )
        for x, y, v in pts:
            marker = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{TONES[si % 4]}"/>'
                if si % 2 == 0
                else f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="#fff" stroke="{TONES[si % 4]}" stroke-width="1.5"/>'
            )
            out.append(
                f"<g><title>{escape(name)}：{escape(_fmt(v, unit))}</title>{marker}"
                f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="11">{escape(_fmt(v, ""))}</text></g>'
            )
        lx = left + si * 130
        out.append(
            f'<line x1="{lx}" y1="{height - 10}" x2="{lx + 18}" y2="{height - 10}" stroke="{TONES[si % 4]}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 22}" y="{height - 6}">{escape(name)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))


def star_distribution(side: dict, *, title: str, unit: str = "个", width: int = 440) -> SafeString:
    """How many got each star (五星 … 一星), then those rated below one star and — only when
    there are any — those not rated at all (未定星). ``side`` is one half of
    ``assessments.selectors.star_overview`` (branches or members)."""
    items = [(label, n) for _s, label, n in side["counts"]]
    if side.get("below"):
        items.append(("未达一星", side["below"]))
    if side.get("unrated"):
        items.append(("未定星", side["unrated"]))
    return bar_chart(items, title=title, unit=unit, max_value=None, width=width)


def double_five_charts(ov: dict | None) -> dict:
    """双五星: the stars of the 党支部 (fortress index) and of the members (pioneer index)."""
    if not ov:
        return {}
    year = ov.get("year")
    y = f"{year}年度" if year else ""
    return {
        "branch_stars": star_distribution(ov["branches"], title=f"{y}党支部堡垒指数星级分布"),
        "member_stars": star_distribution(ov["members"], title=f"{y}党员先锋指数星级分布", unit="名"),
    }


def dashboard_charts(data: dict) -> dict:
    """The SVGs of a four-"all" dashboard; the page and the summary PDF embed the same markup."""
    return {
        "township": grouped_bar_chart(
            [s.label for s in data["by_township"]],
            [
                ("完成率", [s.rate for s in data["by_township"]]),
                ("逾期率", [s.late_rate for s in data["by_township"]]),
            ],
            title="全地域：各乡镇（街道）任务完成率与逾期率",
        ),
        "domain": bar_chart([(s.label, s.rate) for s in data["by_domain"]], title="全领域：各领域任务完成率"),
        "element": bar_chart(
            [(s.label, s.rate) for s in data["by_element"]], title="全要素：五个要素任务完成率"
        ),
        "function": bar_chart(
            [(s.label, s.rate) for s in data["by_function"]], title="全功能：政治功能与服务功能任务完成率"
        ),
        **double_five_charts(data.get("double_five")),
    }


def unit_charts(ctx: dict) -> dict:
    result = ctx.get("result") or {}
    quarters = result.get("quarters") or []
    out = {}
    if quarters:
        out["trend"] = line_chart(
            [q["label"] for q in quarters],
            [("季度得分", [q["total"] for q in quarters])],
            title="季度督查得分走势",
        )
    if result.get("breakdown"):
        out["breakdown"] = bar_chart(
            [(b["label"], b["points"]) for b in result["breakdown"]],
            title="年度考核得分构成",
            unit="分",
            max_value=None,
        )
    f = ctx.get("fortress") or {}
    own = f.get("own")
    if own and own.get("breakdown"):
        out["fortress"] = bar_chart(
            [(b.get("name", ""), b.get("points")) for b in own["breakdown"]],
            title="堡垒指数得分构成",
            unit="分",
            max_value=None,
        )
    out.update(double_five_charts(ctx.get("double_five")))
    comp = ctx.get("completion")
    if comp and comp.get("by_element"):
        out["element"] = bar_chart(
            [(str(label), _rate(comp["by_element"].get(k))) for k, label in Element.choices],
            title="五个要素任务完成率",
        )
    return out


def _rate(sub):
    if not sub:
        return None
    get = sub.get if isinstance(sub, dict) else lambda k, d=None: getattr(sub, k, d)
    if get("rate") is not None:
        return get("rate")
    total = get("total") or 0
    return round(100 * (get("done") or 0) / total, 1) if total else None
