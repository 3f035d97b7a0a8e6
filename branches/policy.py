"""Who may do what — answered here and nowhere else.

Seeing is the subtree of a person's roles (``branches.scoping``). Acting is this policy: every
view, service, nav entry, panel and template tag asks it, and nothing else compares role kinds.

* ``orgs_for(user, action)`` — the organizations the user may act on, as one QuerySet (a list of
  what I may review is one query, never a Python loop over a yes/no).
* ``allows(user, action, obj)`` — yes or no for one row (an organization or anything that
  belongs to one); it also applies separation of duties.
* ``require(user, action, obj)`` — the same, raising ``PermissionDenied`` with a Chinese message.
* ``get_for_action_or_404(user, action, Model, **lookup)`` — fetch and check at once: 404 out of
  scope (exactly like a missing row), 403 in scope but not allowed.
* ``Scope`` — the one value passed between apps for "these subtrees" (never a raw path list).
* ``SYSTEM`` — the one actor for jobs, commands and the demo city.

Separation of duties (职责分离): whoever acts for a unit — reports a checklist item, answers a
finding, files an appeal, self-checks a standard item — never approves, verifies or rules on
that same act. The person who acted is recorded on the row and refused here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Organization, RoleKind
from .scoping import RoleGrant, get_visible_or_404, role_grants, scope_paths, scope_q


class Action(enum.StrEnum):
    SEE = "see"  # 查看: the subtree of any role
    MANAGE = "manage"  # 管理: change the unit's own data (secretaries and the department)
    REPORT = "report"  # 报送: act for the unit itself (not the level above acting in its name)
    REVIEW = "review"  # 审核: the level above accepts, returns, rates, verifies standards
    INSPECT = "inspect"  # 督查: record inspections and findings
    VERIFY = "verify"  # 核查销号: close or reopen a rectification
    RULE_APPEAL = "rule_appeal"  # 裁定申诉
    EXPORT = "export"  # 导出 (its own permission, every export logged)
    IMPORT = "import"  # 导入名册
    VIEW_FULL_ID = "view_full_id"  # 查看完整身份证号 (its own permission, audited)
    RUN_JOBS = "run_jobs"  # 计分批次: start and resume scoring runs (the department)
    RUN_REPORTS = "run_reports"  # 批量生成年度考核报告 (the department; a township for itself)
    PUBLISH = "publish"  # 发布得分 (the department)
    ADMINISTER = "administer"  # 全市管理: city-wide comparisons, the back office
    FOLLOW = "follow"  # 联系点 / 督查组分工: the units an inspector or a leader is assigned to


MANAGERS = frozenset({RoleKind.CITY_ADMIN, RoleKind.TOWNSHIP_SECRETARY, RoleKind.UNIT_SECRETARY})
REVIEWERS = frozenset({RoleKind.CITY_ADMIN, RoleKind.TOWNSHIP_SECRETARY})
INSPECTORS = frozenset({RoleKind.INSPECTOR, RoleKind.LEADER})
DEPARTMENT = frozenset({RoleKind.CITY_ADMIN})
SECRETARIES = frozenset({RoleKind.TOWNSHIP_SECRETARY, RoleKind.UNIT_SECRETARY})


@dataclass(frozen=True)
class _Rule:
    """One way a single role grant gives an action.

    ``kinds``: the role kinds that qualify (None: any); ``flag``: a Role boolean that must be set;
    ``below``: only strictly below the role's organization (the level above), not on it;
    ``own_level``: only on the role's own organization, and only if it is at that level.
    """

    kinds: frozenset | None = None
    flag: str | None = None
    below: bool = False
    own_level: str | None = None

    def grants(self, g: RoleGrant) -> bool:
        return (self.kinds is None or g.kind in self.kinds) and (self.flag is None or getattr(g, self.flag))

    def covers(self, g: RoleGrant, org_path: str, org_level: str | None) -> bool:
        if not self.grants(g):
            return False
        if self.own_level is not None:
            return org_path == g.path and org_level == self.own_level
        if self.below:
            return org_path.startswith(g.path) and org_path != g.path
        return org_path.startswith(g.path)

    def q(self, g: RoleGrant, field: str) -> Q:
        if self.own_level is not None:
            level_field = field[: -len("path")] + "level"
            return Q(**{field: g.path, level_field: self.own_level})
        q = Q(**{f"{field}__startswith": g.path})
        return q & ~Q(**{field: g.path}) if self.below else q


_REVIEW = (_Rule(kinds=REVIEWERS, below=True),)
_INSPECT = (_Rule(kinds=INSPECTORS), *_REVIEW)

# Each action: the rules that give it (any one suffices) and the rules that take it away again.
_GIVE: dict[Action, tuple[_Rule, ...]] = {
    Action.SEE: (_Rule(),),
    Action.MANAGE: (_Rule(kinds=MANAGERS),),
    Action.REPORT: (_Rule(kinds=MANAGERS),),
    Action.REVIEW: _REVIEW,
    Action.INSPECT: _INSPECT,
    Action.VERIFY: _INSPECT,
    Action.RULE_APPEAL: _INSPECT,
    Action.EXPORT: (_Rule(flag="can_export"),),
    Action.IMPORT: (_Rule(kinds=MANAGERS),),
    Action.VIEW_FULL_ID: (_Rule(flag="can_view_full_id"),),
    Action.RUN_JOBS: (_Rule(kinds=DEPARTMENT),),
    Action.RUN_REPORTS: (
        _Rule(kinds=DEPARTMENT),
        _Rule(kinds=frozenset({RoleKind.TOWNSHIP_SECRETARY}), own_level="township"),
    ),
    Action.PUBLISH: (_Rule(kinds=DEPARTMENT),),
    Action.ADMINISTER: (_Rule(kinds=DEPARTMENT),),
    Action.FOLLOW: (_Rule(kinds=INSPECTORS),),
}
# The unit reports on its own items; the level above reviews them and does not report in its name.
_TAKE: dict[Action, tuple[_Rule, ...]] = {Action.REPORT: _REVIEW}


# --- the system actor ---------------------------------------------------------------------------


class SystemActor:
    """The one actor for background jobs, management commands and the demo city: allowed every
    action, recorded in the audit trail as no person (``actor`` empty)."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    is_anonymous = False
    username = "system"

    def __str__(self) -> str:
        return _("系统")


SYSTEM = SystemActor()


def is_system(user) -> bool:
    return user is SYSTEM


def person(actor):
    """The user to store in an ``…_by`` column: the person, or None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


def _everything(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


# --- scopes -------------------------------------------------------------------------------------


def _minimal(paths: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(o) for o in out):
            out.append(p)
    return tuple(out)


@dataclass(frozen=True)
class Scope:
    """A set of subtrees, the one value passed between apps for "rows under these organizations".

    ``Scope.city()`` is the whole city, ``Scope.nothing()`` is no row at all; there is no third
    meaning of an empty or missing value.
    """

    prefixes: tuple[str, ...]

    @classmethod
    def city(cls) -> Scope:
        return cls(("",))

    @classmethod
    def nothing(cls) -> Scope:
        return cls(())

    @classmethod
    def of(cls, *orgs: Organization) -> Scope:
        return cls(_minimal(o.path for o in orgs))

    @classmethod
    def of_paths(cls, paths: Iterable[str]) -> Scope:
        return cls(_minimal(paths))

    @classmethod
    def seen_by(cls, user) -> Scope:
        return cls(scope_paths(user))

    @classmethod
    def coerce(cls, value) -> Scope:
        """Accept a Scope, or (during the move to Scope) a legacy ``org_paths`` list; ``None`` is
        the whole city as it was for those callers."""
        if isinstance(value, Scope):
            return value
        if value is None:
            return cls.city()
        return cls.of_paths(value)

    @property
    def is_city(self) -> bool:
        return "" in self.prefixes

    @property
    def is_empty(self) -> bool:
        return not self.prefixes

    def q(self, field: str = "organization__path") -> Q:
        if self.is_empty:
            return Q(pk__in=[])
        if self.is_city:
            return Q()
        q = Q()
        for p in self.prefixes:
            q |= Q(**{f"{field}__startswith": p})
        return q

    def sql(self, column: str) -> tuple[str, list]:
        """A raw SQL condition on ``column`` (``"TRUE"`` for the whole city, ``"FALSE"`` for nothing)."""
        if self.is_empty:
            return "1 = 0", []
        if self.is_city:
            return "1 = 1", []
        return "(" + " OR ".join([f"{column} LIKE %s"] * len(self.prefixes)) + ")", [
            f"{p}%" for p in self.prefixes
        ]

    def contains(self, org: Organization) -> bool:
        return any(org.path.startswith(p) for p in self.prefixes)


CITY = Scope.city()
NOTHING = Scope.nothing()


# --- the questions --------------------------------------------------------------------------------


def action_q(user, action: Action, field: str = "path") -> Q:
    """A condition on ``field`` (an organization path) for the rows the user may ``action``."""
    if _everything(user):
        return Q()
    if action == Action.SEE:
        return Scope.seen_by(user).q(field)
    grants = role_grants(user)
    give = Q(pk__in=[])
    for g in grants:
        for rule in _GIVE[action]:
            if rule.grants(g):
                give |= rule.q(g, field)
    for g in grants:
        for rule in _TAKE.get(action, ()):
            if rule.grants(g):
                give &= ~rule.q(g, field)
    return give


def orgs_for(user, action: Action):
    """The organizations the user may ``action``, as one QuerySet."""
    if action == Action.SEE:
        return Organization.objects.visible_to(user)
    return Organization.objects.visible_to(user).filter(action_q(user, action, "path"))


def rows_q(user, action: Action, field: str = "organization__path") -> Q:
    """The rows whose organization (its path in ``field``) the user may ``action``: the same rows as
    ``organization__in=orgs_for(user, action)``, as a condition on the joined organization rather
    than a sub-query listing every organization of the scope (the department's 5,000) — for small
    tables read through another index (findings, 发展党员 by status)."""
    if action == Action.SEE:
        return scope_q(user, field)
    return scope_q(user, field) & action_q(user, action, field)


def scope_for(user, action: Action = Action.SEE) -> Scope:
    """The subtrees under the roles that give the action (the reach; for the level above's actions
    the root itself is not acted on — ask ``orgs_for``/``allows`` for exact rows)."""
    if _everything(user):
        return Scope.city()
    if action == Action.SEE:
        return Scope.seen_by(user)
    return Scope.of_paths(g.path for g in role_grants(user) if any(r.grants(g) for r in _GIVE[action]))


def role_orgs(user, action: Action):
    """The organizations whose role itself gives the action (the roots of the user's reach for it:
    my township for REVIEW, my contact units for FOLLOW, my unit for MANAGE)."""
    if action == Action.SEE and _everything(user) and not role_grants(user):
        return Organization.objects.filter(depth=1)
    return Organization.objects.filter(pk__in=role_org_ids(user, action))


def role_org_ids(user, action: Action) -> list[int]:
    """The ids behind ``role_orgs`` (no query: read from the roles cached on the user), in the
    order the roles were granted — for a nav link to "my unit's page"."""
    ids = [g.organization_id for g in role_grants(user) if any(r.grants(g) for r in _GIVE[action])]
    return list(dict.fromkeys(ids))


def secretary_roles(org: Organization):
    """The roles of the people who act for ``org`` itself (its secretaries), for the org page."""
    from .models import Role

    return Role.objects.filter(organization=org, kind__in=SECRETARIES)


def may_anywhere(user, action: Action) -> bool:
    """Whether some role gives the action somewhere (nav entries, links): no query."""
    if _everything(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return any(rule.grants(g) for g in role_grants(user) for rule in _GIVE[action])


def organization_of(obj) -> Organization | None:
    """The organization a row belongs to (the row itself for an organization)."""
    if obj is None or isinstance(obj, Organization):
        return obj
    for attr in ("organization", "sender_org"):
        org = getattr(obj, attr, None)
        if isinstance(org, Organization):
            return org
    for attr in ("finding", "item", "check", "report", "member"):
        inner = getattr(obj, attr, None)
        if inner is not None:
            return organization_of(inner)
    raise TypeError(f"{type(obj).__name__} does not belong to an organization")


def _grants_action(user, action: Action, org: Organization | None) -> bool:
    if _everything(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if org is None:
        return may_anywhere(user, action)
    grants = role_grants(user)
    level = getattr(org, "level", None)
    if not any(r.covers(g, org.path, level) for g in grants for r in _GIVE[action]):
        return False
    return not any(r.covers(g, org.path, level) for g in grants for r in _TAKE.get(action, ()))


# Separation of duties: for an action on a kind of row, who acted for the unit on that row.
def _acted_for_unit(action: Action, obj) -> tuple[set[int], str] | None:
    from_model = type(obj).__name__
    if action == Action.RULE_APPEAL and from_model == "Appeal":
        return {obj.filed_by_id}, _("您已代表本单位提出该申诉，不能再由您裁定（职责分离）。")
    if action == Action.VERIFY and from_model == "Finding":
        return {getattr(obj, "answered_by_id", None)}, _(
            "您已代表本单位反馈该问题的整改情况，不能再由您核查销号（职责分离）。"
        )
    if action == Action.REVIEW and from_model == "StandardCheck":
        return {getattr(obj, "self_by_id", None)}, _(
            "您已代表本单位填报该项自查，不能再由您核定（职责分离）。"
        )
    if action == Action.REVIEW and from_model == "CollectiveIncome":
        return {getattr(obj, "reported_by_id", None)}, _(
            "您已代表本村填报该收入，不能再由您确认（职责分离）。"
        )
    if action == Action.REVIEW and from_model == "Brand":
        return {getattr(obj, "created_by_id", None)}, _(
            "您已代表本单位撰写该品牌，不能再由您发布（职责分离）。"
        )
    if action == Action.REVIEW and from_model == "ChecklistItem":
        authors = set(obj.reports.values_list("author_id", flat=True)) if obj.pk else set()
        return authors, _("您已代表本单位报送该事项，不能再由您审核（职责分离）。")
    return None


def _refusal(user, action: Action, obj) -> str | None:
    """Why the user may not ``action`` on ``obj`` (None: allowed)."""
    try:
        org = organization_of(obj)
    except TypeError:
        org = None
    if not _grants_action(user, action, org):
        return ""  # the 403 page says it: the role does not have this right
    if obj is not None and not isinstance(obj, Organization) and not is_system(user):
        sod = _acted_for_unit(action, obj)
        if sod is not None and getattr(user, "pk", None) is not None and user.pk in sod[0]:
            return sod[1]
    return None


def allows(user, action: Action, obj=None) -> bool:
    """Whether the user may ``action`` on ``obj`` (an organization or a row that belongs to one;
    ``None``: anywhere). Separation of duties applies."""
    return _refusal(user, action, obj) is None


def require(user, action: Action, obj=None) -> None:
    """``allows`` or ``PermissionDenied`` (403) with the reason in Chinese."""
    reason = _refusal(user, action, obj)
    if reason is not None:
        raise PermissionDenied(reason) if reason else PermissionDenied


def get_for_action_or_404(user, action: Action, model, **lookup):
    """Fetch a row the user may see (404 otherwise, exactly like a missing one), then check the
    action on it (403 when in scope but not allowed)."""
    qs = model.objects.visible_to(user) if hasattr(model.objects, "visible_to") else None
    if qs is None:
        raise TypeError(f"{model.__name__} has no visible_to scope")
    obj = get_visible_or_404(qs, **lookup)
    require(user, action, obj)
    return obj


__all__ = [
    "Action",
    "SYSTEM",
    "Scope",
    "action_q",
    "allows",
    "get_for_action_or_404",
    "may_anywhere",
    "organization_of",
    "orgs_for",
    "require",
    "role_org_ids",
    "role_orgs",
    "scope_for",
]
