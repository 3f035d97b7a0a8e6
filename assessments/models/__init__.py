"""Indicator schemes, qualified-branch standards, inspections and rectification, mass evaluation,
duty reports and computed scores (督查考核).

Schemes are data: a ``Scheme`` (year × kind × version) holds ``Indicator`` rows — each names a
*source* (a set-based aggregation in ``assessments.sources``) and how its raw value maps to points —
and ``GradeBand`` rows (stars / grades with thresholds, the innovation requirement and quotas).
A published scheme is never edited in place; a new version supersedes it.

Scores are computed by ``ScoreRun`` jobs (state in the database, resumable) into ``ScoreResult``
rows that keep their breakdown and the scheme version. Published runs are frozen.

The models live in submodules by area (schemes, standards, supervision, evaluation, results);
every name is importable from here."""

# Models in a module of their own, imported here so the app registry loads them.
from ..ballots_models import Ballot, BallotBatch
from .evaluation import (
    AnswerChannel,
    DutyRating,
    DutyReport,
    PublicPage,
    Satisfaction,
    SurveyResponse,
)
from .results import (
    ACTIVE_RUN_STATUSES,
    BreakdownField,
    RectificationPlan,
    RunFailure,
    RunStatus,
    ScoreResult,
    ScoreResultQuerySet,
    ScoreRun,
)
from .schemes import (
    KIND_CADENCE,
    AssessorEntry,
    ConditionOp,
    Element,
    GradeBand,
    Indicator,
    IndicatorKind,
    Mapping,
    Scheme,
    SchemeKind,
    SchemeStatus,
    Subject,
    VetoEffect,
)
from .standards import (
    Standard,
    StandardCheck,
    StandardItem,
    StandardStatus,
)
from .supervision import (
    Appeal,
    Finding,
    FindingEvent,
    FindingEventAction,
    FindingQuerySet,
    FindingStatus,
    Inspection,
    Severity,
    finding_overdue_q,
)

__all__ = [
    "SchemeKind",
    "KIND_CADENCE",
    "SchemeStatus",
    "Subject",
    "VetoEffect",
    "Scheme",
    "Element",
    "IndicatorKind",
    "ConditionOp",
    "Mapping",
    "Indicator",
    "GradeBand",
    "AssessorEntry",
    "StandardStatus",
    "Standard",
    "StandardItem",
    "StandardCheck",
    "Inspection",
    "Severity",
    "FindingStatus",
    "finding_overdue_q",
    "FindingQuerySet",
    "Finding",
    "Appeal",
    "FindingEventAction",
    "FindingEvent",
    "PublicPage",
    "Satisfaction",
    "AnswerChannel",
    "SurveyResponse",
    "DutyReport",
    "DutyRating",
    "RunStatus",
    "RunFailure",
    "ACTIVE_RUN_STATUSES",
    "ScoreRun",
    "BreakdownField",
    "ScoreResultQuerySet",
    "ScoreResult",
    "RectificationPlan",
    "Ballot",
    "BallotBatch",
]
