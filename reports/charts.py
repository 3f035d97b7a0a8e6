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
from django.utils.translation import gettext as _

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


FS = 12  # chart text size in px; the SVGs are never scaled down (app.css), so this is what is shown


def text_width(text: str, px: float = FS) -> float:
    """Estimated rendered width: CJK and other wide characters 1 em, ASCII 0.6 em."""
    return sum(px * (0.6 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def _fit(text: str, space: float, px: float = FS) -> str:
    """``text`` cut (with …) to what fits in ``space`` px, so neighbouring labels never overlap;
    the full text stays in the group's ``<title>``."""
    if text_width(text, px) <= space:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", px) > space:
            break
        out += ch
    return out + "…"


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
        f'aria-label="{t}" font-family="PB Noto Sans SC, Noto Sans CJK SC, sans-serif" font-size="{FS}">'
        f'<title id="{uid}-t">{t}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def _label_w(labels, width: int) -> int:
    longest = max((text_width(str(c)) for c in labels), default=0)
    return int(min(longest + 8, width * 0.42))


def bar_chart(
    items: Sequence[tuple[str, object]],
    *,
    title: str,
    unit: str = "%",
    max_value: float | None = 100,
    target: float | None = None,
    width: int = 300,
) -> SafeString:
    """Horizontal bars, one row per (label, value), names on the left; an optional target line."""
    uid = f"c{next(_ids)}"
    row, pad = 24, 8
    label_w = _label_w([lab for lab, _ in items], width)
    values = [_num(v) for _, v in items]
    top = max([max_value or 0, *values, target or 0]) or 1
    plot_w = width - label_w - 48
    height = pad * 2 + row * max(len(items), 1) + (20 if target is not None else 0)
    desc = "；".join(f"{label}：{_fmt(v, unit)}" for label, v in items) or _("暂无数据")
    out = [_open(uid, width, height, title, desc), _patterns(uid)]
    if not items:
        out.append(f'<text x="{pad}" y="{pad + 14}" fill="#333">{escape(_("暂无数据"))}</text>')
    for i, (label, v) in enumerate(items):
        y = pad + i * row
        w = max(0.0, _num(v)) / top * plot_w
        full = str(label)
        out.append(
            f"<g><title>{escape(full)}：{escape(_fmt(v, unit))}</title>"
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" fill="#111">{escape(_fit(full, label_w - 8))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{TONES[0]}" stroke="#111" stroke-width="0.5"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" fill="#111">{escape(_fmt(v, unit))}</text></g>'
        )
    if target is not None:
        x = label_w + _num(target) / top * plot_w
        out.append(
            f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{height - 18}" stroke="#000" stroke-width="1.2" stroke-dasharray="4 2"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#000">{escape(_("目标"))} {escape(_fmt(target, unit))}</text>'
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
    width: int = 300,
) -> SafeString:
    """One row per category (e.g. a township) with its name on the left and one bar per series
    (done, late) below each other, told apart by pattern; however many townships, no label can
    overlap another."""
    uid = f"c{next(_ids)}"
    slot, gap, pad, legend = 15, 9, 8, 26
    ns = max(len(series), 1)
    row = slot * ns + gap
    label_w = _label_w(categories, width)
    plot_w = width - label_w - 48
    vals = [_num(v) for _, vs in series for v in vs]
    top = max([max_value or 0, *vals]) or 1
    height = pad + row * max(len(categories), 1) + legend
    desc = "；".join(
        f"{c}：" + "，".join(f"{name} {_fmt(vs[i], unit)}" for name, vs in series)
        for i, c in enumerate(categories)
    )
    out = [_open(uid, width, height, title, desc or _("暂无数据")), _patterns(uid)]
    if not categories:
        out.append(f'<text x="{pad}" y="{pad + 14}" fill="#333">{escape(_("暂无数据"))}</text>')
    for gi, c in enumerate(categories):
        y0 = pad + gi * row
        out.append(
            f"<g><title>{escape(c)}："
            + escape("，".join(f"{name} {_fmt(vs[gi], unit)}" for name, vs in series))
            + "</title>"
            f'<text x="{label_w - 6}" y="{y0 + slot * ns / 2 + 4:.1f}" text-anchor="end" fill="#111">{escape(_fit(str(c), label_w - 8))}</text>'
        )
        for si, (_name, vs) in enumerate(series):
            w = max(0.0, _num(vs[gi])) / top * plot_w
            y = y0 + si * slot
            out.append(
                f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{slot - 3}" fill="{_fill(uid, si)}" stroke="#111" stroke-width="0.5"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + slot - 3}" font-size="11" fill="#111">{escape(_fmt(vs[gi], unit))}</text>'
            )
        out.append("</g>")
    lx = 4
    for si, (name, _v) in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="{height - 16}" width="12" height="11" fill="{_fill(uid, si)}" stroke="#111" stroke-width="0.5"/>'
            f'<text x="{lx + 16}" y="{height - 6}">{escape(name)}</text>'
        )
        lx += 16 + int(text_width(name)) + 16
    out.append("</svg>")
    return mark_safe("".join(out))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = 100,
    width: int = 300,
) -> SafeString:
    """Trend lines (e.g. quarterly scores); series told apart by dash pattern and marker shape.
    With one series each point carries its value; x labels are thinned so they never overlap."""
    uid = f"c{next(_ids)}"
    height, left, bottom, top_pad, right, inset = 200, 34, 46, 18, 22, 18
    plot_w, plot_h = width - left - right - inset, height - bottom - top_pad
    vals = [_num(v) for _, vs in series for v in vs if v is not None]
    top = max([max_value or 0, *vals]) or 1
    n = max(len(x_labels) - 1, 1)
    step_px = plot_w / n
    widest = max((text_width(str(x)) for x in x_labels), default=0) + 6
    every = 1
    while every < len(x_labels) and widest > step_px * every:
        every += 1
    desc = "；".join(
        f"{name}：" + "，".join(f"{x} {_fmt(v, unit)}" for x, v in zip(x_labels, vs, strict=False))
        for name, vs in series
    )
    out = [_open(uid, width, height, title, desc or _("暂无数据"))]
    for k in range(5):
        y = top_pad + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{escape(_fmt(top * k / 4, ""))}</text>'
        )
    x0 = left + inset
    for i, x in enumerate(x_labels):
        if i % every:
            continue
        px = x0 + step_px * i
        out.append(f'<text x="{px:.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle">{escape(x)}</text>')
    for si, (name, vs) in enumerate(series):
        pts = [
            (x0 + step_px * i, top_pad + plot_h - _num(v) / top * plot_h, v)
            for i, v in enumerate(vs)
            if v is not None
        ]
        dash = f' stroke-dasharray="{DASHES[si % 4]}"' if DASHES[si % 4] else ""
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in pts)
            out.append(
                f'<polyline points="{d}" fill="none" stroke="{TONES[si % 4]}" stroke-width="2"{dash}/>'
            )
        for x, y, v in pts:
            marker = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{TONES[si % 4]}"/>'
                if si % 2 == 0
                else f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="#fff" stroke="{TONES[si % 4]}" stroke-width="1.5"/>'
            )
            label = (
                f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="11">{escape(_fmt(v, ""))}</text>'
                if len(series) == 1
                else ""
            )
            out.append(f"<g><title>{escape(name)}：{escape(_fmt(v, unit))}</title>{marker}{label}</g>")
    lx = left
    for si, (name, _v) in enumerate(series):
        dash = f' stroke-dasharray="{DASHES[si % 4]}"' if DASHES[si % 4] else ""
        out.append(
            f'<line x1="{lx}" y1="{height - 10}" x2="{lx + 18}" y2="{height - 10}" stroke="{TONES[si % 4]}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 22}" y="{height - 6}">{escape(name)}</text>'
        )
        lx += 22 + int(text_width(name)) + 16
    out.append("</svg>")
    return mark_safe("".join(out))


def star_distribution(side: dict, *, title: str, unit: str | None = None, width: int = 300) -> SafeString:
    """How many got each star (五星 … 一星), then those rated below one star and — only when
    there are any — those not rated at all (未定星). ``side`` is one half of
    ``assessments.selectors.star_overview`` (branches or members)."""
    items = [(str(label), n) for _s, label, n in side["counts"]]
    if side.get("below"):
        items.append((_("未达一星"), side["below"]))
    if side.get("unrated"):
        items.append((_("未定星"), side["unrated"]))
    return bar_chart(items, title=title, unit=_("个") if unit is None else unit, max_value=None, width=width)


def double_five_charts(ov: dict | None) -> dict:
    """双五星: the stars of the 党支部 (fortress index) and of the members (pioneer index)."""
    if not ov:
        return {}
    year = ov.get("year")
    if year:
        branch = _("%(year)s年度党支部堡垒指数星级分布") % {"year": year}
        member = _("%(year)s年度党员先锋指数星级分布") % {"year": year}
    else:
        branch, member = _("党支部堡垒指数星级分布"), _("党员先锋指数星级分布")
    return {
        "branch_stars": star_distribution(ov["branches"], title=branch),
        "member_stars": star_distribution(ov["members"], title=member, unit=_("名")),
    }


def dashboard_charts(data: dict) -> dict:
    """The SVGs of a four-"all" dashboard; the page and the summary PDF embed the same markup."""
    return {
        "township": grouped_bar_chart(
            [s.label for s in data["by_township"]],
            [
                (_("完成率"), [s.rate for s in data["by_township"]]),
                (_("逾期率"), [s.late_rate for s in data["by_township"]]),
            ],
            title=_("全地域：各乡镇（街道）任务完成率与逾期率"),
        ),
        "domain": bar_chart(
            [(s.label, s.rate) for s in data["by_domain"]], title=_("全领域：各领域任务完成率")
        ),
        "element": bar_chart(
            [(s.label, s.rate) for s in data["by_element"]], title=_("全要素：五个要素任务完成率")
        ),
        "function": bar_chart(
            [(s.label, s.rate) for s in data["by_function"]], title=_("全功能：政治功能与服务功能任务完成率")
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
            [(_("季度得分"), [q["total"] for q in quarters])],
            title=_("季度督查得分走势"),
        )
    if result.get("breakdown"):
        out["breakdown"] = bar_chart(
            [(b["label"], b["points"]) for b in result["breakdown"]],
            title=_("年度考核得分构成"),
            unit=_("分"),
            max_value=None,
        )
    f = ctx.get("fortress") or {}
    own = f.get("own")
    if own and own.get("breakdown"):
        out["fortress"] = bar_chart(
            [(b.get("name", ""), b.get("points")) for b in own["breakdown"]],
            title=_("堡垒指数得分构成"),
            unit=_("分"),
            max_value=None,
        )
    out.update(double_five_charts(ctx.get("double_five")))
    comp = ctx.get("completion")
    if comp and comp.get("by_element"):
        out["element"] = bar_chart(
            [(str(label), _rate(comp["by_element"].get(k))) for k, label in Element.choices],
            title=_("五个要素任务完成率"),
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
