"""Server-side SVG charts: escaped, labelled for screen readers, readable without colour."""

from xml.etree import ElementTree

from reports import charts

NS = "{http://www.w3.org/2000/svg}"


def test_bar_chart_escapes_labels_and_is_valid_svg_with_title_and_values():
    svg = charts.bar_chart([("<script>alert(1)</script>镇", 80), ("乙镇", 55.5)], title="完成率", target=90)
    assert "<script>" not in svg
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "完成率"
    assert root.find(f"{NS}title").text == "完成率"
    desc = root.find(f"{NS}desc").text
    assert "乙镇：55.5%" in desc
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "80%" in texts and "55.5%" in texts and "目标 90%" in texts


def test_grouped_bars_tell_series_apart_by_pattern_not_only_colour():
    svg = charts.grouped_bar_chart(
        ["甲镇", "乙镇"], [("完成率", [80, 70]), ("逾期率", [5, 8])], title="全地域"
    )
    root = ElementTree.fromstring(svg)
    fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
    assert any(f and f.startswith("url(#") for f in fills)
    assert len(list(root.iter(f"{NS}pattern"))) == 2


def test_line_chart_skips_missing_quarters_and_star_distribution_counts():
    svg = charts.line_chart(
        ["1季度", "2季度", "3季度", "4季度"], [("得分", [80, None, 85, 90])], title="走势"
    )
    assert len(list(ElementTree.fromstring(svg).iter(f"{NS}circle"))) == 3
    side = {"counts": [(5, "五星", 2), (4, "四星", 0), (3, "三星", 1), (2, "二星", 0), (1, "一星", 0)],
            "below": 1, "unrated": 0}  # fmt: skip
    desc = ElementTree.fromstring(charts.star_distribution(side, title="星级")).find(f"{NS}desc").text
    assert "五星：2个" in desc and "三星：1个" in desc and "未达一星：1个" in desc
    assert "未定星" not in desc  # only when some were truly not rated
    side["unrated"] = 3
    desc = ElementTree.fromstring(charts.star_distribution(side, title="星级")).find(f"{NS}desc").text
    assert "未定星：3个" in desc


def test_empty_chart_says_no_data():
    assert "暂无数据" in charts.bar_chart([], title="空")
