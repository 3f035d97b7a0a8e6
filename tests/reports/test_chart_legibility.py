"""Chart text is legible on a 360 px phone and no two labels overlap (issue 12 item 6).

Each ``<text>`` gets a box estimated from x, y, text-anchor, font-size and its characters (CJK ≈ 1 em
wide, ASCII ≈ 0.6 em; ascent 0.88 em above the baseline, descent 0.12 em below); the chart's
displayed width is its ``width`` attribute (app.css never shrinks a chart: ``max-width: none``),
and it must fit the 310 px of content a 360 px phone leaves in a card, so nothing scales the text down.
"""

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reports import charts

NS = "{http://www.w3.org/2000/svg}"
PHONE_CONTENT = 360 - 2 * 12 - 2 * 13  # .page padding 12, .card border 1 + padding 12


def _boxes(svg: str):
    root = ElementTree.fromstring(svg)
    vb_w = float(root.get("viewBox").split()[2])
    shown = float(root.get("width"))
    assert shown <= PHONE_CONTENT, f"chart {shown} px wide does not fit a 360 px phone"
    scale = shown / vb_w
    base = float(root.get("font-size"))
    boxes = []
    for t in root.iter(f"{NS}text"):
        fs = float(t.get("font-size") or base)
        assert fs * scale >= 11, f"{t.text!r} at {fs * scale:.1f} px"
        text = t.text or ""
        w = sum(fs * (0.6 if ord(c) < 0x2E80 else 1.0) for c in text)
        x, y = float(t.get("x")), float(t.get("y"))
        anchor = t.get("text-anchor") or "start"
        x0 = x - {"start": 0, "middle": w / 2, "end": w}[anchor]
        boxes.append((text, x0, y - 0.88 * fs, x0 + w, y + 0.12 * fs))
        assert x0 >= -0.5 and x0 + w <= vb_w + 0.5, f"{text!r} runs out of the chart"
    return boxes


def _assert_legible(svg: str):
    boxes = _boxes(svg)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, f"{a[0]!r} overlaps {b[0]!r}"


TOWNSHIPS = [
    "城关镇",
    "东城街道",
    "西湖街道",
    "南山镇",
    "北岭镇",
    "高新技术产业开发区街道",
    "临江镇",
    "白鹤乡",
]


def test_city_chart_one_row_per_township_long_names_cut_with_full_name_in_title():
    svg = charts.grouped_bar_chart(
        TOWNSHIPS * 3,
        [("完成率", [100, 88.8, 5, 0] * 6), ("逾期率", [12.5, 100, 0, 33.3] * 6)],
        title="全地域",
    )
    _assert_legible(svg)
    root = ElementTree.fromstring(svg)
    labels = [t.text for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end"]
    assert len(labels) == 24 and labels[0] == "城关镇"
    long = labels[5]
    assert long.endswith("…") and "高新技术产业开发区街道".startswith(long[:-1])
    titles = [g.find(f"{NS}title").text for g in root.iter(f"{NS}g")]
    assert "高新技术产业开发区街道：完成率 88.8%，逾期率 100%" in titles


@pytest.mark.parametrize(
    "labels",
    [
        ["2023年第一季度", "2023年第二季度", "2023年第三季度", "2023年第四季度"],
        [f"{y}Q{q}" for y in (2022, 2023) for q in range(1, 5)],
    ],
)
def test_trend_labels_thinned_never_overlap(labels):
    svg = charts.line_chart(
        labels, [("季度得分", [100, 99.5, 0, 100, 50, 50.5, 51, 98][: len(labels)])], title="t"
    )
    _assert_legible(svg)
    shown = [t.text for t in ElementTree.fromstring(svg).iter(f"{NS}text") if t.text in labels]
    assert shown[0] == labels[0] and len(shown) >= 2


def test_bar_and_star_charts_legible():
    _assert_legible(charts.bar_chart([(n, 100) for n in TOWNSHIPS], title="t", target=90))
    side = {"counts": [(5, "五星", 1200), (4, "四星", 0), (3, "三星", 15), (2, "二星", 0), (1, "一星", 7)],
            "below": 1, "unrated": 3}  # fmt: skip
    _assert_legible(charts.star_distribution(side, title="星级"))


def test_rendered_pages_and_pdf_charts_legible():
    """The charts as the dashboard / unit page / PDF build them (the same functions)."""
    from types import SimpleNamespace as S

    rows = [
        S(label=n, rate=r, late_rate=late)
        for n, r, late in zip(TOWNSHIPS, [100, 80, 66.7, 0] * 2, [0, 100] * 4, strict=True)
    ]
    data = {"by_township": rows, "by_domain": rows[:4], "by_element": rows[:5], "by_function": rows[:2]}
    for svg in charts.dashboard_charts(data).values():
        _assert_legible(svg)
    ctx = {"result": {"quarters": [{"label": f"2023年第{q}季度", "total": t} for q, t in zip("一二三四", [91, 88.5, 100, 95], strict=True)],
                      "breakdown": [{"label": "基本组织、基本队伍、基本制度", "points": 30}, {"label": "考核加分", "points": 2.5}]}}  # fmt: skip
    out = charts.unit_charts(ctx)
    assert set(out) == {"trend", "breakdown"}
    for svg in out.values():
        _assert_legible(svg)


def test_stylesheet_never_shrinks_a_chart():
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()
    rule = re.search(r"^\.chart svg \{([^}]*)\}", css, re.M).group(1)
    assert "max-width: none" in rule and "width: auto" not in rule


def test_overlap_check_can_fail():
    bad = charts.mark_safe(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 50" width="300" font-size="12">'
        '<text x="10" y="20">城关镇</text><text x="40" y="22">东城</text></svg>'
    )
    with pytest.raises(AssertionError, match="overlaps"):
        _assert_legible(bad)
    small = bad.replace('viewBox="0 0 300 50" width="300"', 'viewBox="0 0 600 50" width="300"')
    with pytest.raises(AssertionError, match="px"):
        _assert_legible(small)
