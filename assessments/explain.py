"""Why a unit got its number, in one sentence (the unit's score page and the home page's 我的得分)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def num(x) -> str:
    """12.0 → 12, 12.50 → 12.5: points as people write them."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x is not None else ""


def changes(result, prev) -> list[dict]:
    """Each breakdown line of ``result`` with ``change``: its points minus the previous quarter's
    (None when the indicator is new)."""
    if not result:
        return []
    before = {x["code"]: x["points"] for x in (prev.breakdown if prev else [])}
    return [
        {
            **line,
            "change": round(line["points"] - before[line["code"]], 2) if line["code"] in before else None,
        }
        for line in result.breakdown
    ]


def why_line(result, prev, lines) -> str:
    """One sentence: how the total moved since the last published quarter and the indicators
    that moved it most (the answer to "why did my score drop?")."""
    if not result:
        return ""
    parts = []
    if result.vetoed:
        names = "、".join(line["name"] for line in lines if line.get("vetoed")) or _("一票否决情形")
        parts.append(_("本期有一票否决情形（%(n)s），定为后进。") % {"n": names})
    if prev is None:
        return "".join(parts)
    delta = result.total - prev.total
    moved = sorted((x for x in lines if x["change"]), key=lambda x: x["change"], reverse=delta > 0)
    top = [x for x in moved if (x["change"] < 0) == (delta < 0)][:3]
    reasons = "、".join(f"{x['name']} {'+' if x['change'] > 0 else ''}{num(x['change'])}" for x in top)
    if delta < 0:
        msg = _("比上季度（%(p)s）下降 %(d)s 分") % {"p": prev.period, "d": num(-delta)}
        parts.append(msg + (_("，主要因为：%(r)s。") % {"r": reasons} if reasons else "。"))
    elif delta > 0:
        msg = _("比上季度（%(p)s）上升 %(d)s 分") % {"p": prev.period, "d": num(delta)}
        parts.append(msg + (_("，主要来自：%(r)s。") % {"r": reasons} if reasons else "。"))
    else:
        parts.append(_("与上季度（%(p)s）持平。") % {"p": prev.period})
    return "".join(parts)


def rank_text(r) -> str:
    """Ranks written so they cannot be misread as a fraction: 乡镇内第 3 名 / 领域内第 68 名 / 全市第 147 名."""
    get = r.get if isinstance(r, dict) else lambda k: getattr(r, k, None)
    parts = [
        label % {"n": get(key)}
        for key, label in (
            ("rank_township", _("乡镇内第 %(n)s 名")),
            ("rank_domain", _("领域内第 %(n)s 名")),
            ("rank_city", _("全市第 %(n)s 名")),
        )
        if get(key)
    ]
    return " / ".join(parts) or "—"
