"""我的得分: the latest published quarterly score of each unit the person acts for, with its grade,
ranks and the one-line why, and the stars of its latest 堡垒指数 — for the home page (four queries
whatever the history)."""

from __future__ import annotations

from dataclasses import dataclass

from branches.models import Level, Organization
from branches.policy import Action, role_org_ids

from .explain import changes, rank_text, why_line
from .models import SchemeKind
from .scoring import parse_period
from .selectors import FORTRESS, published_results, star_text

#: A person acting for several units sees at most this many score cards.
CARDS = 3


@dataclass
class ScoreCard:
    org: Organization
    result: object | None  # the ScoreResult, None when nothing is published yet
    period_label: str
    why: str
    ranks: str = ""
    fortress: dict | None = None  # the latest published 堡垒指数: total, stars, star_text, year


def my_scores(*, user) -> list[ScoreCard]:
    """The units the person reports for themselves (not the units below them) that are scored."""
    ids = role_org_ids(user, Action.REPORT)
    if not ids:
        return []
    orgs = list(
        Organization.objects.filter(pk__in=ids, level__in=[Level.UNIT, Level.BRANCH]).order_by("path")[:CARDS]
    )
    if not orgs:
        return []
    mine = published_results(user=user, kind=SchemeKind.SUPERVISION).filter(organization__in=orgs)
    latest: dict[int, list[int]] = {}
    for rid, org_id in mine.order_by("organization_id", "-period").values_list("id", "organization_id"):
        if len(latest.setdefault(org_id, [])) < 2:  # this quarter and the one before it
            latest[org_id].append(rid)
    rows = {r.pk: r for r in mine.filter(pk__in=[i for v in latest.values() for i in v])}
    fortress: dict[int, dict] = {}
    for r in (
        published_results(user=user, kind=FORTRESS)
        .filter(organization__in=orgs)
        .order_by("organization_id", "-period")
        .values("organization_id", "period", "total", "stars", "vetoed", "grade_label")
    ):
        if r["organization_id"] not in fortress:
            fortress[r["organization_id"]] = {**r, "star_text": star_text(r)}
    cards = []
    for org in orgs:
        pair = [rows[i] for i in latest.get(org.pk, [])]
        result = pair[0] if pair else None
        prev = pair[1] if len(pair) > 1 else None
        why = why_line(result, prev, changes(result, prev)) if result else ""
        label = parse_period(result.period).label if result else ""
        cards.append(
            ScoreCard(org, result, label, why, rank_text(result) if result else "", fortress.get(org.pk))
        )
    return cards
