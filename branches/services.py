"""Writes on the organization tree and roles. Each takes ``actor`` for the audit trail."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .audit import audit_record, diff
from .models import AuditAction, Level, Organization, OrgStatus, Role

_TRACKED = [
    "code",
    "name",
    "short_name",
    "level",
    "domain",
    "org_form",
    "branch_type_id",
    "secretary_name",
    "secretary_phone",
    "founded_on",
    "last_election_on",
    "term_years",
    "status",
    "status_changed_on",
    "merged_into_id",
    "address",
]  # fmt: skip  (one field per word keeps the audited list readable and its diffs one line each)
EDITABLE = [f.removesuffix("_id") for f in _TRACKED]


def _snapshot(org: Organization) -> dict:
    return {f: getattr(org, f) for f in _TRACKED}


def _township_for(parent: Organization | None) -> Organization | None:
    if parent is None:
        return None
    if parent.level == Level.TOWNSHIP:
        return parent
    return parent.township


@transaction.atomic
def organization_create(*, actor, parent: Organization | None, **fields) -> Organization:
    """Create an organization under ``parent`` (or a root), keeping ``township`` consistent."""
    org = Organization(**fields)
    org.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        org = Organization.objects.add_root(instance=org)
    else:
        parent.refresh_from_db(fields=["path", "depth", "numchild"])
        org.township = _township_for(parent)
        org = Organization.objects.add_child(parent, instance=org)
    if org.level == Level.TOWNSHIP:
        Organization.objects.filter(pk=org.pk).update(township=org)
        org.township_id = org.pk
    audit_record(
        actor=actor,
        action=AuditAction.ORG_CREATE,
        obj=org,
        changes=diff({}, _snapshot(org)),
        organization=org,
    )
    return org


@transaction.atomic
def organization_update(*, actor, org: Organization, **fields) -> Organization:
    before = _snapshot(org)
    for k, v in fields.items():
        setattr(org, k, v)
    org.full_clean(exclude=["path", "depth", "numchild"])
    changes = diff(before, _snapshot(org))
    if not changes:
        return org
    org.save()
    audit_record(actor=actor, action=AuditAction.ORG_UPDATE, obj=org, changes=changes, organization=org)
    return org


@transaction.atomic
def organization_move(*, actor, org: Organization, new_parent: Organization) -> Organization:
    """Move a whole subtree under ``new_parent``; paths and township links follow in set-based updates."""
    if new_parent.path.startswith(org.path):
        from django.core.exceptions import ValidationError

        raise ValidationError("不能把组织移动到它自己的下级组织之下。")
    old_parent = Organization.objects.get_parent(org)
    if old_parent and old_parent.pk == new_parent.pk:
        return org
    old_township = org.township
    new_parent.refresh_from_db()
    Organization.objects.move(org, new_parent, "last-child")
    org.refresh_from_db()
    if org.level not in (Level.CITY, Level.COUNTY, Level.TOWNSHIP):
        # Everything in the moved subtree now belongs to the new parent's township.
        Organization.objects.filter(path__startswith=org.path).update(township=_township_for(new_parent))
    org.refresh_from_db()
    changes = {"parent": [str(old_parent) if old_parent else None, str(new_parent)]}
    if old_township != org.township:
        changes["township"] = [
            str(old_township) if old_township else None,
            str(org.township) if org.township else None,
        ]
    audit_record(actor=actor, action=AuditAction.ORG_MOVE, obj=org, changes=changes, organization=org)
    return org


@transaction.atomic
def organization_set_linked_villages(*, actor, org: Organization, villages) -> Organization:
    """联村党委: the village organizations this committee links besides its tree parent."""
    before = sorted(org.linked_villages.values_list("code", flat=True))
    villages = list(villages)
    after = sorted(v.code for v in villages)
    if before == after:
        return org
    org.linked_villages.set(villages)
    audit_record(
        actor=actor,
        action=AuditAction.ORG_UPDATE,
        obj=org,
        changes={"linked_villages": ["、".join(before), "、".join(after)]},
        organization=org,
    )
    return org


@transaction.atomic
def organization_set_status(
    *, actor, org: Organization, status: str, merged_into: Organization | None = None
):
    """Merge or dissolve (never delete): the record and its history stay."""
    return organization_update(
        actor=actor,
        org=org,
        status=status,
        merged_into=merged_into if status == OrgStatus.MERGED else None,
        status_changed_on=timezone.localdate(),
    )


def organization_relink_townships() -> int:
    """Recompute every ``township`` link from the tree (after bulk loads or imports): two statements per township."""
    updated = 0
    for t in Organization.objects.filter(level=Level.TOWNSHIP).only("pk", "path"):
        updated += (
            Organization.objects.filter(path__startswith=t.path)
            .exclude(township_id=t.pk)
            .update(township_id=t.pk)
        )
    updated += Organization.objects.filter(
        Q(level__in=[Level.CITY, Level.COUNTY]), township__isnull=False
    ).update(township=None)
    return updated


_ROLE_FLAGS = ("can_export", "can_view_full_id")


@transaction.atomic
def role_grant(
    *, actor, user, organization: Organization, kind: str, can_export=False, can_view_full_id=False
) -> Role:
    """Give ``user`` a role on ``organization`` (idempotent); audited with its flags, full-ID access
    included. Granting an existing role again sets its flags as given (audited when they change)."""
    role = Role.objects.filter(user=user, organization=organization, kind=kind).first()
    if role is not None:
        return role_update(actor=actor, role=role, can_export=can_export, can_view_full_id=can_view_full_id)
    role = Role(user=user, organization=organization, kind=kind, can_export=can_export,
                can_view_full_id=can_view_full_id)  # fmt: skip
    role.full_clean()
    role.save()
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_GRANT,
        obj=role,
        changes={"user": [None, user.get_username()], "kind": [None, kind],
                 "can_export": [None, bool(can_export)], "can_view_full_id": [None, bool(can_view_full_id)]},
        organization=organization,
    )  # fmt: skip
    return role


@transaction.atomic
def role_update(*, actor, role: Role, can_export: bool, can_view_full_id: bool) -> Role:
    """Change a role's flags (export, full-ID access); who, kind and organization stay — a different
    one is a revocation and a new grant."""
    before = {f: getattr(role, f) for f in _ROLE_FLAGS}
    role.can_export, role.can_view_full_id = bool(can_export), bool(can_view_full_id)
    changes = diff(before, {f: getattr(role, f) for f in _ROLE_FLAGS})
    if not changes:
        return role
    role.save(update_fields=list(_ROLE_FLAGS))
    audit_record(
        actor=actor, action=AuditAction.ROLE_UPDATE, obj=role, changes=changes, organization=role.organization
    )
    return role


@transaction.atomic
def role_revoke(*, actor, role: Role) -> None:
    """Take a role away; the audit row keeps who held it, with which flags."""
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_REVOKE,
        obj=role,
        changes={"user": [role.user.get_username(), None], "kind": [role.kind, None],
                 **{f: [getattr(role, f), None] for f in _ROLE_FLAGS}},
        organization=role.organization,
    )  # fmt: skip
    role.delete()
