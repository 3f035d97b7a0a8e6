"""The pilot plan (三年试点) and the work it names.

Plan → years (theme, annual goals with targets as data) → tasks (重点工作任务: element, function,
cadence, applicability) → one ``ChecklistItem`` per (organization, task, month) — the monthly
checklist (一月一清单) — with append-only ``ProgressReport`` rows, ``Evidence`` files and
``Review`` decisions. Status, due date, submitted/accepted times and lateness are real indexed
columns on the item so scores (assessments) and reports can aggregate them in SQL.

Also here: the secretary's pocketbook (书记责任口袋书), village collective economy, activities
(主题党日, 三会一课, 组织生活会), service-center projects, brands, honors, funding, the leading
group's weekly meetings (一周一例会) and notices (通知).

The models live in submodules by area (base, plan, checklist, economy, showcase, meetings);
every name is importable from here."""

from branches.models import Element

# Models in modules of their own, imported here so the app registry loads them.
from ..pocketbook_models import CommitmentRating
from .base import (
    User,
    _org_fk,
)
from .checklist import (
    OPEN_STATUSES,
    ChecklistItem,
    ChecklistItemQuerySet,
    Commitment,
    Evidence,
    EvidenceKind,
    ItemStatus,
    ProgressReport,
    ProgressState,
    ReminderKind,
    ReminderLog,
    ReportQuerySet,
    Review,
    ReviewDecision,
    late_q,
    overdue_q,
)
from .economy import (
    CollectiveIncome,
    IncomeMeasure,
    IncomeStatus,
)
from .meetings import (
    Activity,
    ActivityKind,
    DecisionStatus,
    MeetingDecision,
    Notice,
    NoticeAttachment,
    NoticeQuerySet,
    NoticeRecipient,
    WeeklyMeeting,
)
from .plan import (
    AnnualGoal,
    Cadence,
    Function,
    GoalMetric,
    Plan,
    PlanYear,
    Task,
    TaskQuerySet,
)
from .showcase import (
    HONOR_RANK,
    Brand,
    BrandCase,
    BrandKind,
    BrandQuerySet,
    CenterKind,
    CenterStage,
    FundingCategory,
    FundingRecord,
    Honor,
    HonorLevel,
    HonorTarget,
    ServiceCenterProject,
)

__all__ = [
    "Element",
    "User",
    "_org_fk",
    "Plan",
    "PlanYear",
    "GoalMetric",
    "AnnualGoal",
    "Function",
    "Cadence",
    "TaskQuerySet",
    "Task",
    "ItemStatus",
    "OPEN_STATUSES",
    "overdue_q",
    "late_q",
    "ChecklistItemQuerySet",
    "ChecklistItem",
    "ReportQuerySet",
    "ProgressState",
    "ProgressReport",
    "EvidenceKind",
    "Evidence",
    "ReviewDecision",
    "Review",
    "ReminderKind",
    "ReminderLog",
    "Commitment",
    "IncomeStatus",
    "CollectiveIncome",
    "IncomeMeasure",
    "CenterKind",
    "CenterStage",
    "ServiceCenterProject",
    "BrandKind",
    "BrandQuerySet",
    "Brand",
    "BrandCase",
    "HonorLevel",
    "HONOR_RANK",
    "HonorTarget",
    "Honor",
    "FundingCategory",
    "FundingRecord",
    "ActivityKind",
    "Activity",
    "WeeklyMeeting",
    "DecisionStatus",
    "MeetingDecision",
    "NoticeQuerySet",
    "Notice",
    "NoticeAttachment",
    "NoticeRecipient",
    "CommitmentRating",
]
