"""Reads on the organization tree, always starting from the user's scope."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from django.db.models import Count, Q

from members.models import Member

from .home_counts import counts_for
from .models import Organization, OrgForm, OrgStatus
from .policy import secretary_roles
from .scoping import get_visible_or_404, role_grants, scope_paths


@dataclass
class SubtreeCounts:
    members: int = 0
    branches: int = 0
    organizations: int = 0


@dataclass
class OrgRow:
    org: Organization
    counts: SubtreeCounts
    children: list[OrgRow] = field(default_factory=list)


class SubtreeCounter:
    """Member and branch counts for any subtree, from two grouped queries over the whole scope.

    Rolling up by path prefix in Python keeps the number of queries fixed however deep or wide
    the tree is: the orgs are sorted by path, and a subtree is a contiguous slice of that order.
    """

    def __init__(self, prefixes: list[str]):
        q = Q()
        for p in prefixes:
            q |= Q(path__startswith=p)
        orgs = list(
            Organization.objects.filter(q).order_by("path").values_list("id", "path", "org_form", "status")
        )
        # The subtree's organization ids first (the path index), then the members by their
        # (organization, status) index: a path LIKE joined to every member made SQLite scan all
        # 150,000 of them for a village's home (200–400 ms; the city's needs no filter at all).
        members = Member.objects.current()
        if "" not in prefixes:
            members = members.filter(organization__in=Organization.objects.filter(q).values("pk"))
        member_rows = members.values("organization_id").annotate(n=Count("id")).order_by()
        # (organization_id, status) is a covering index for this: ~10 ms for 150,000 members.
        per_org = {r["organization_id"]: r["n"] for r in member_rows}
        self.paths = [o[1] for o in orgs]
        # Prefix sums over the path order: members, active branches, active orgs.
        self.cum = [(0, 0, 0)]
        for oid, _path, form, status in orgs:
            active = status == OrgStatus.ACTIVE
            m0, b0, o0 = self.cum[-1]
            self.cum.append((m0 + per_org.get(oid, 0), b0 + (active and form == OrgForm.BRANCH), o0 + active))

    def for_path(self, path: str) -> SubtreeCounts:
        lo = bisect_left(self.paths, path)
        hi = bisect_left(self.paths, path + "\x7f")
        a, b = self.cum[lo], self.cum[hi]
        return SubtreeCounts(members=b[0] - a[0], branches=b[1] - a[1], organizations=b[2] - a[2])


def my_organizations(*, user) -> list[Organization]:
    """The organizations the user's roles attach them to (the roots of what they see): read once
    per request (cached on the user object like ``role_grants``; the home page's organization list
    and its members panel both ask)."""
    cached = getattr(user, "_my_organizations", None)
    if cached is None:
        cached = user._my_organizations = _my_organizations(user)
    return list(cached)


def _my_organizations(user) -> list[Organization]:
    if user.is_superuser and not role_grants(user):
        return list(Organization.objects.get_root_nodes().select_related("branch_type"))
    ids = {g.organization_id for g in role_grants(user)}
    top = set(scope_paths(user))
    return [
        o
        for o in Organization.objects.filter(pk__in=ids).select_related("branch_type").order_by("path")
        if o.path in top
    ]


def home_overview(*, user) -> list[OrgRow]:
    """Each of my organizations with its direct children, all with subtree counts (fixed queries)."""
    roots = my_organizations(user=user)
    if not roots:
        return []
    cq = Q()
    for r in roots:
        cq |= Q(path__startswith=r.path, depth=r.depth + 1)
    children = list(Organization.objects.filter(cq).select_related("branch_type").order_by("path"))
    counts = counts_for(roots, children)  # cached: they read the whole scope (home_counts)
    rows = []
    for r in roots:
        kids = [c for c in children if c.path.startswith(r.path)]
        rows.append(OrgRow(r, counts[r.path], [OrgRow(c, counts[c.path]) for c in kids]))
    return rows


def elections_due(*, user, limit: int = 8):
    """Organizations in scope whose term ends within the reminder window or has ended (换届提醒):
    the most urgent ``limit`` of them, and how many are overdue and due in all."""
    from django.utils import timezone

    qs = Organization.objects.visible_to(user).election_due()
    totals = qs.aggregate(
        overdue=Count("id", filter=Q(term_ends_on__lt=timezone.localdate())), all=Count("id")
    )
    rows = list(qs.order_by("term_ends_on", "path")[:limit]) if totals["all"] else []
    return rows, totals["overdue"], totals["all"] - totals["overdue"]


def organization_get(*, user, org_id) -> Organization:
    return get_visible_or_404(
        Organization.objects.visible_to(user).select_related("branch_type", "township", "merged_into"),
        pk=org_id,
    )


def organization_detail(*, user, org: Organization) -> dict:
    """What the organization page shows: visible ancestors, children with counts, links."""
    visible = scope_paths(user)
    ancestor_paths = [org.path[: i * org.steplen] for i in range(1, org.depth)]
    ancestors = [
        a
        for a in Organization.objects.filter(path__in=ancestor_paths).order_by("depth")
        if any(a.path.startswith(p) for p in visible)
    ]
    children = list(Organization.objects.get_children(org).select_related("branch_type"))
    counter = SubtreeCounter([org.path])
    return {
        "ancestors": ancestors,
        "counts": counter.for_path(org.path),
        "children": [OrgRow(c, counter.for_path(c.path)) for c in children],
        "linked_villages": list(org.linked_villages.visible_to(user)),
        "linking_committees": list(org.linking_committees.visible_to(user)),
        "secretaries": list(secretary_roles(org).select_related("user")),
    }


def organization_search(*, user, term: str, limit: int = 30):
    qs = Organization.objects.visible_to(user)
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(code__iexact=term))
    return list(qs.select_related("township").order_by("path")[:limit])
