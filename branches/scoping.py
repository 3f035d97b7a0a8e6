"""The one row-scoping primitive: a person sees the subtrees of the organizations their roles
attach them to, and nothing else.

Every user-facing read starts from ``Model.objects.visible_to(user)``, which is built on
``scope_q`` here; ``get_visible_or_404`` answers the same 404 for missing and forbidden rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Organization, Role


@dataclass(frozen=True)
class RoleGrant:
    kind: str
    organization_id: int
    path: str
    can_export: bool
    can_view_full_id: bool


def role_grants(user) -> tuple[RoleGrant, ...]:
    """The user's roles, read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_role_grants", None)
    if cached is None:
        rows = Role.objects.filter(user_id=user.pk).values_list(
            "kind", "organization_id", "organization__path", "can_export", "can_view_full_id"
        )
        cached = tuple(RoleGrant(*r) for r in rows)
        user._role_grants = cached
    return cached


def _minimal_prefixes(paths: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(o) for o in out):
            out.append(p)
    return tuple(out)


def scope_paths(user) -> tuple[str, ...]:
    """Path prefixes of every subtree the user may see ('' means the whole tree)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    if user.is_superuser:
        return ("",)
    return _minimal_prefixes(g.path for g in role_grants(user))


def scope_q(user, path_field: str = "organization__path") -> Q:
    """A Q object restricting ``path_field`` to the user's subtrees."""
    paths = scope_paths(user)
    if not paths:
        return Q(pk__in=[])
    if "" in paths:
        return Q()
    q = Q()
    for p in paths:
        q |= Q(**{f"{path_field}__startswith": p})
    return q


class ScopedQuerySet(QuerySet):
    """Base QuerySet for rows that belong to an organization: ``visible_to`` is the scope filter.

    Subclass and set ``scope_field`` when the path is reached another way
    (e.g. ``"member__organization__path"``).
    """

    scope_field = "organization__path"

    def visible_to(self, user):
        return self.filter(scope_q(user, self.scope_field))


def get_visible_or_404(queryset: QuerySet, **lookup):
    """Fetch one row from an already scoped queryset; missing and forbidden look the same."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def org_for_user_or_404(user, org_id) -> Organization:
    return get_visible_or_404(Organization.objects.visible_to(user), pk=org_id)


# Acting (not just seeing) is ``branches.policy``. These names stay as thin wrappers over it.


def is_city_admin(user) -> bool:
    """The department (市委组织部): city-wide comparisons, runs, the back office."""
    from .policy import Action, may_anywhere

    return may_anywhere(user, Action.ADMINISTER)


def can_export(user, org: Organization | None = None) -> bool:
    """Exporting is its own permission, separate from viewing."""
    from .policy import Action, allows

    return allows(user, Action.EXPORT, org)


def can_view_full_id(user, org: Organization) -> bool:
    from .policy import Action, allows

    return allows(user, Action.VIEW_FULL_ID, org)


def can_manage(user, org: Organization) -> bool:
    """Secretaries and the department may change data of organizations in their subtree."""
    from .policy import Action, allows

    return allows(user, Action.MANAGE, org)


def can_review(user, org: Organization) -> bool:
    """The level above: a township secretary or the department, over a unit strictly below them."""
    from .policy import Action, allows

    return allows(user, Action.REVIEW, org)
