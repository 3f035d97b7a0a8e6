"""Demo: a village meeting's formal evaluation with one-time ballots (the township printed 30 slips,
18 came back) and a burst of answers from one phone that dropped its cookie (flagged, shown apart)."""

from __future__ import annotations

from django.utils import timezone

from branches.policy import Action, allows

from . import voting
from .models import SurveyResponse


def build(ctx) -> int:
    unit = ctx.account_orgs.get("cun")
    issuer = next((u for u in (ctx.users.get("zhen"), ctx.users.get("shi")) if u and unit and allows(u, Action.REVIEW, unit)), None)  # fmt: skip
    if unit is None or issuer is None:
        return 0
    rng, today = ctx.rng, ctx.today
    batch = voting.ballots_issue(actor=issuer, organization=unit, purpose="survey", size=30,
                                 note="村党员群众大会民主测评", today=today)  # fmt: skip
    used = 0
    for b in list(batch.ballots.all())[:18]:
        rating = rng.choices(["satisfied", "basic", "unsatisfied"], [6, 3, 1])[0]
        used += voting.ballot_answer(code=b.code, rating=rating) == "thanks"
    period = voting.current_quarter(today)
    now = timezone.now()
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            organization=unit,
            period=period,
            answered_on=today,
            rating="unsatisfied",
            at=now,
            voter_hash=voting.voter_hash(f"demo-burst-{k}", f"s{unit.pk}:{period}"),
            source_hash="demo-burst",
            flagged=True,
        )
        for k in range(4)
    )
    return used
