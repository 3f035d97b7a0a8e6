"""Starting a new year (新年度): the source year's indicator schemes and qualified-branch standards
copied for the new year, schemes as drafts (草稿) for the department to edit and publish.

Called by ``pilot.services.plan_year_start`` inside its transaction (one audited write path).
"""

from __future__ import annotations

from django.db import models

from branches.audit import audit_record

from .models import Scheme, SchemeStatus, Standard, StandardItem, StandardStatus


def _clone(obj: models.Model, **overrides) -> models.Model:
    """An unsaved copy of ``obj``'s concrete fields (foreign keys by id), with ``overrides``."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
    values.update(overrides)
    return type(obj)(**values)


def _renamed(name: str, source_year: int, year: int) -> str:
    return name.replace(str(source_year), str(year))


def _schemes_to_copy(source_year: int) -> list[Scheme]:
    """Each published scheme of the source year; for a kind with none published, its latest version."""
    schemes = list(Scheme.objects.filter(year=source_year).order_by("kind", "-version", "id"))
    published = [s for s in schemes if s.status == SchemeStatus.PUBLISHED]
    kinds = {s.kind for s in published}
    latest = {}
    for s in schemes:
        if s.kind not in kinds and s.kind not in latest:
            latest[s.kind] = s
    return published + list(latest.values())


def schemes_copy_as_drafts(*, actor, source_year: int, year: int) -> list[Scheme]:
    """Copy the source year's schemes — with every part that belongs to a scheme (its indicators,
    grade bands and any other rows deleted with it) and its many-to-many choices — as drafts of
    ``year``, numbered v1, v2 … per kind."""
    out = []
    numbers: dict[str, int] = {}
    parts = [
        r
        for r in Scheme._meta.related_objects
        if r.one_to_many and r.on_delete is models.CASCADE and r.related_model is not Scheme
    ]
    for src in _schemes_to_copy(source_year):
        numbers[src.kind] = numbers.get(src.kind, 0) + 1
        new = _clone(src, year=year, version=numbers[src.kind], status=SchemeStatus.DRAFT, published_at=None,
                     supersedes_id=None, name=_renamed(src.name, source_year, year))  # fmt: skip
        new.save()
        for m2m in Scheme._meta.many_to_many:
            getattr(new, m2m.name).set(getattr(src, m2m.name).all())
        for rel in parts:
            children = rel.related_model._default_manager.filter(**{rel.field.name: src}).order_by("pk")
            rel.related_model._default_manager.bulk_create(
                [_clone(c, **{rel.field.attname: new.pk}) for c in children]
            )
        audit_record(actor=actor, action="scheme_copy", obj=new, changes={"copied_from": [None, src.pk]})
        out.append(new)
    return out


def standards_copy(*, actor, source_year: int, year: int) -> list[Standard]:
    """Copy the source year's 合格支部标准 (per domain, with their items) for ``year`` as drafts:
    nobody self-checks or scores a draft until the department publishes it (``standard_publish``)."""
    out = []
    for src in Standard.objects.filter(year=source_year).order_by("domain"):
        new = _clone(src, year=year, name=_renamed(src.name, source_year, year), status=StandardStatus.DRAFT)
        new.save()
        StandardItem.objects.bulk_create(
            [_clone(i, standard_id=new.pk) for i in src.items.order_by("sort_order", "id")]
        )
        audit_record(actor=actor, action="standard_copy", obj=new, changes={"copied_from": [None, src.pk]})
        out.append(new)
    return out


def year_has_assessments(year: int) -> bool:
    return Scheme.objects.filter(year=year).exists() or Standard.objects.filter(year=year).exists()
