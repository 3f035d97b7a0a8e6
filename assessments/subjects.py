"""Who a scheme scores and how organizations' rows roll up to the subjects above them."""

from __future__ import annotations

from bisect import bisect_right

from branches.models import Level, Organization, OrgForm, OrgStatus

from .models import Scheme, Subject
from .sources import get_source


def subject_queryset(scheme: Scheme):
    """The organizations a scheme scores: its subject kind within its coverage (subtree, domains,
    branch types)."""
    qs = Organization.objects.filter(status=OrgStatus.ACTIVE)
    if scheme.subject == Subject.BRANCH:
        qs = qs.filter(org_form=OrgForm.BRANCH, level__in=[Level.UNIT, Level.BRANCH])
    else:
        qs = qs.filter(level=Level.UNIT)
    if scheme.scope_id:
        qs = qs.filter(path__startswith=scheme.scope.path)
    if scheme.domains:
        qs = qs.filter(domain__in=scheme.domains)
    type_ids = [t.pk for t in scheme.branch_types.all()]
    if type_ids:
        qs = qs.filter(branch_type_id__in=type_ids)
    return qs


def specificity(scheme: Scheme) -> tuple:
    """How specific a scheme's coverage is: the deepest subtree first, then how many kinds of
    restriction (domains, branch types) it adds; the later scheme breaks a tie."""
    depth = scheme.scope.depth if scheme.scope_id else 0
    restricted = int(bool(scheme.domains)) + int(bool(scheme.branch_types.all()))
    return (depth, restricted, scheme.pk)


def assign_subjects(schemes: list[Scheme]) -> dict[int, Scheme]:
    """subject id → the most specific of ``schemes`` that covers it (one query per scheme)."""
    out: dict[int, Scheme] = {}
    for s in sorted(schemes, key=specificity):  # broadest first: the more specific overwrite
        for oid in subject_queryset(s).values_list("id", flat=True):
            out[oid] = s
    return out


def assign_by_coverage(schemes: list[Scheme], ids: list[int]) -> dict[int, Scheme]:
    """The most specific scheme covering each of ``ids`` by coverage alone (subtree, domains,
    branch types) — for a resumed run's subjects that are no longer active (one query)."""
    ordered = sorted(schemes, key=specificity, reverse=True)
    out = {}
    for oid, path, domain, type_id in Organization.objects.filter(pk__in=ids).values_list(
        "id", "path", "domain", "branch_type_id"
    ):
        out[oid] = next(
            (
                s
                for s in ordered
                if (not s.scope_id or path.startswith(s.scope.path))
                and (not s.domains or domain in s.domains)
                and (not s.branch_types.all() or type_id in {t.pk for t in s.branch_types.all()})
            ),
            ordered[-1],
        )
    return out


def subject_ids(scheme: Scheme) -> list[int]:
    return list(subject_queryset(scheme).order_by("id").values_list("id", flat=True))


class SubtreeIndex:
    """Maps every organization to the nearest subject at or above it — built from one query."""

    def __init__(self, subject_id_set: set[int]):
        rows = list(Organization.objects.order_by("path").values_list("id", "path", "domain", "township_id"))
        self.paths = [r[1] for r in rows]
        self.ids = [r[0] for r in rows]
        self.info = {r[0]: (r[1], r[2], r[3]) for r in rows}
        self.by_path = {r[1]: r[0] for r in rows}
        self.subjects = subject_id_set

    def descendants(self, oid: int) -> list[int]:
        """The subtree of ``oid`` (itself included) — a contiguous range in path order."""
        path = self.info[oid][0]
        i = bisect_right(self.paths, path) - 1
        out = []
        while i < len(self.paths) and self.paths[i].startswith(path):
            out.append(self.ids[i])
            i += 1
        return out

    def owner_of(self, oid: int) -> int | None:
        """The nearest subject at or above ``oid`` (subjects may nest: a unit above its branches)."""
        path = self.info[oid][0]
        step = Organization.steplen
        for k in range(len(path), 0, -step):
            pid = self.by_path.get(path[:k])
            if pid in self.subjects:
                return pid
        return None

    def rollup_map(self, chunk: list[int]) -> dict[int, int]:
        """organization id → the chunk subject its rows count for."""
        out: dict[int, int] = {}
        for sid in chunk:
            for oid in self.descendants(sid):
                if oid == sid or self.owner_of(oid) == sid:
                    out[oid] = sid
        return out

    def owner_map(self) -> dict[int, int]:
        """organization id → the subject its rows count for, for the whole city at once."""
        out: dict[int, int] = {}
        for oid in self.ids:
            sid = self.owner_of(oid)
            if sid is not None:
                out[oid] = sid
        return out


def _rollup(shape: str, rows: dict, owner: dict[int, int], how: str = "sum") -> dict[int, object]:
    out: dict[int, object] = {}
    for oid, v in rows.items():
        if oid is None:  # a source-wide value (a monthly source's window length)
            out[None] = v
            continue
        sid = owner.get(oid)
        if sid is None:
            continue
        if shape == "ratio":
            n, d = out.get(sid, (0, 0))
            out[sid] = (n + v[0], d + v[1])
        elif how == "max":
            out[sid] = max(out.get(sid, v or 0), v or 0)
        elif how == "or":
            out[sid] = out.get(sid, 0) | (v or 0)
        else:
            out[sid] = out.get(sid, 0) + (v or 0)
    return out


def rollup_all(raw: dict[str, dict], owner: dict[int, int]) -> dict[str, dict]:
    """Each source's rows summed up to the subjects (a unit's score includes its branches; a
    highest level takes the highest, monthly activity the months of any of them)."""
    out = {}
    for name, rows in raw.items():
        src = get_source(name)
        out[name] = _rollup(src.shape, rows, owner, src.rollup)
    return out
