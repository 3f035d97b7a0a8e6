"""Writing the audit trail. Services call ``audit_record``; nothing else writes AuditEvent."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .middleware import current_ip
from .models import AuditAction, AuditEvent, ExportLog


def _checked(action) -> str:
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}: add it to branches.models.AuditAction")
    return str(action)


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields that changed."""
    return {
        k: [_plain(before.get(k)), _plain(after.get(k))]
        for k in sorted(set(before) | set(after))
        if _plain(before.get(k)) != _plain(after.get(k))
    }


def audit_record(
    *, actor, action: AuditAction | str, obj: models.Model, changes: dict | None = None, organization=None
) -> AuditEvent:
    """Record one change. ``changes`` must already be masked where it holds personal data."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        ip_address=current_ip(),
        action=_checked(action),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        organization=organization,
        changes=changes or {},
    )


def audit_bulk(*, actor, action: str, objs, organization_of=lambda o: None, changes_of=lambda o: {}) -> int:
    """One audit row per object, written in one bulk insert (imports, batch jobs)."""
    objs = list(objs)
    if not objs:
        return 0
    ct = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
    action = _checked(action)
    ip = current_ip()
    actor = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                ip_address=ip,
                action=action,
                content_type=ct,
                object_id=str(o.pk),
                object_repr=str(o)[:200],
                organization=organization_of(o),
                changes=changes_of(o),
            )
            for o in objs
        ],
        batch_size=2000,
    )
    return len(objs)


def audit_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


def export_logged(*, user, what: str, rows: int, filters: dict | None = None) -> ExportLog:
    return ExportLog.objects.create(
        user=user, ip_address=current_ip(), what=what, rows=rows, filters=filters or {}
    )
