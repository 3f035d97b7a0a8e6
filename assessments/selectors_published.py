"""Published results: the query every score read starts from (re-exported by selectors)."""

from __future__ import annotations

from .models import (
    RunStatus,
    SchemeKind,
    ScoreResult,
    ScoreRun,
)

RESULT_FIELDS = (
    "id", "organization_id", "organization__name", "organization__short_name", "township_id",
    "township__short_name", "domain", "period", "kind", "total", "base", "bonus", "deduction", "grade",
    "grade_label", "stars", "lagging", "vetoed", "rank_city", "rank_township", "rank_domain",
    "scheme_version",
)  # fmt: skip


def published_results(*, user, kind: str = SchemeKind.SUPERVISION):
    return ScoreResult.objects.visible_to(user).filter(kind=kind, run__status=RunStatus.PUBLISHED)


def latest_published_period(*, kind: str = SchemeKind.SUPERVISION) -> str | None:
    run = ScoreRun.objects.filter(kind=kind, status=RunStatus.PUBLISHED).order_by("-period").first()
    return run.period if run else None
