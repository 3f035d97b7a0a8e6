"""Scheme and standard publishing writes: checks, publish, new versions (re-exported by services)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record
from branches.models import Domain
from branches.policy import Action, require

from .models import (
    IndicatorKind,
    Scheme,
    SchemeKind,
    SchemeStatus,
    Standard,
    StandardStatus,
)

# --- schemes ------------------------------------------------------------------------------------


def scheme_problems(scheme: Scheme) -> list[str]:
    """What is wrong with a scheme, in Chinese, one line per problem (empty: valid)."""
    problems: list[str] = []
    try:
        scheme.clean()
    except ValidationError as e:
        problems.extend(e.messages)
    inds = list(scheme.indicators.all())
    base = [i for i in inds if i.kind == IndicatorKind.BASE]
    common = sum((i.weight for i in base if not i.domain), Decimal(0))
    total = scheme.total_points
    with_parts = sorted({i.domain for i in base if i.domain})
    targeted = [d for d in Domain.values if d in (scheme.domains or Domain.values)]
    if not with_parts and common != total:
        problems.append(_("基础指标分值合计 %(s)s，应为 %(t)s。") % {"s": common, "t": total})
    for d in [d for d in with_parts if d not in targeted]:
        problems.append(_("“%(d)s”领域有领域部分，但本体系不考核该领域。") % {"d": Domain(d).label})
    if with_parts:
        # A scheme with domain parts (共性 + 各领域) must give every domain it targets its part:
        # otherwise those units would be scored out of the common part alone (e.g. 60 of 100).
        for d in targeted:
            part = sum((i.weight for i in base if i.domain == d), Decimal(0))
            if d not in with_parts:
                problems.append(
                    _("“%(d)s”领域没有领域部分：该领域单位只有共性部分 %(c)s 分，应为 %(t)s 分。")
                    % {"d": Domain(d).label, "c": common, "t": total}
                )
            elif common + part != total:
                problems.append(
                    _("“%(d)s”领域：共性部分 %(c)s + 领域部分 %(p)s = %(s)s，应为 %(t)s。")
                    % {"d": Domain(d).label, "c": common, "p": part, "s": common + part, "t": total}
                )
    for i in inds:
        try:
            i.clean()
        except ValidationError as e:
            for msgs in e.message_dict.values():
                problems.extend(f"{i.code}：{m}" for m in msgs)
    bands = list(scheme.bands.order_by("-min_score"))
    if not bands:
        problems.append(_("至少需要一个等次。"))
    scores = [b.min_score for b in bands]
    if len(set(scores)) != len(scores):
        problems.append(_("各等次的最低分不能相同。"))
    stars = [b.stars for b in bands]
    if stars != sorted(stars, reverse=True):
        problems.append(_("星级须随最低分从高到低排列。"))
    if sum(b.is_lagging for b in bands) > 1:
        problems.append(_("至多一个等次可标为“后进等次”。"))
    if bands and any(b.is_lagging for b in bands) and not bands[-1].is_lagging:
        problems.append(_("“后进”等次须是最低的等次。"))
    if not (
        any(b.is_lagging for b in bands)
        or scheme.lagging_below is not None
        or scheme.lagging_bottom_percent is not None
        or scheme.lagging_vetoed
    ):
        problems.append(_("须设定后进的认定规则（低于某分、末位百分比、一票否决或后进等次）。"))
    return problems


def same_coverage(a: Scheme, b: Scheme) -> bool:
    return (
        a.scope_id == b.scope_id
        and sorted(a.domains or []) == sorted(b.domains or [])
        and {t.pk for t in a.branch_types.all()} == {t.pk for t in b.branch_types.all()}
    )


def published_schemes(*, year: int, kind: str) -> list[Scheme]:
    """Every published scheme of a year and kind (the city's, a bureau's …), broadest first."""
    from .scoring import specificity

    qs = Scheme.objects.filter(year=year, kind=kind, status=SchemeStatus.PUBLISHED)
    return sorted(qs.select_related("scope").prefetch_related("branch_types"), key=specificity)


def no_published_scheme(*, year: int, kind: str) -> str | None:
    """Why a period of this year and kind cannot be computed — "no published scheme" in Chinese —
    or None when it can. The quarter-end job logs and returns it; the department's home page can
    show it."""
    if Scheme.objects.filter(year=year, kind=kind, status=SchemeStatus.PUBLISHED).exists():
        return None
    return _("%(y)s 年没有已发布的“%(k)s”指标体系，未计算。") % {"y": year, "k": SchemeKind(kind).label}


@transaction.atomic
def scheme_publish(*, actor, scheme: Scheme) -> Scheme:
    """Publish a draft scheme; the previously published version of that year and kind is superseded."""
    if scheme.status != SchemeStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布；已发布的指标体系不能修改，请新建版本。"))
    problems = scheme_problems(scheme)
    if problems:
        raise ValidationError(problems)
    old = Scheme.objects.select_for_update().filter(
        year=scheme.year, kind=scheme.kind, status=SchemeStatus.PUBLISHED
    )
    # Only the published scheme with the same coverage is superseded: a bureau's scheme runs
    # beside the city's (each unit is scored by the most specific one that covers it).
    for o in [o for o in old if same_coverage(o, scheme)]:
        o.status = SchemeStatus.SUPERSEDED
        o.save(update_fields=["status"])
        scheme.supersedes = o
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["status", "published_at", "supersedes"])
    audit_record(actor=actor, action="scheme_publish", obj=scheme)
    return scheme


@transaction.atomic
def standard_publish(*, actor, standard: Standard) -> Standard:
    """Publish a draft 合格支部标准 (a copied year, once edited): from now on branches self-check it
    and the fortress index counts it. Only the department publishes; publishing twice does nothing."""
    require(actor, Action.PUBLISH)
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.status == StandardStatus.PUBLISHED:
        return standard
    if not standard.items.exists():
        raise ValidationError(_("%(s)s 没有标准条目，不能发布。") % {"s": standard.name})
    standard.status = StandardStatus.PUBLISHED
    standard.save(update_fields=["status"])
    audit_record(
        actor=actor, action="standard_publish", obj=standard, changes={"status": ["draft", "published"]}
    )
    return standard


@transaction.atomic
def scheme_new_version(*, actor, scheme: Scheme) -> Scheme:
    """Copy a scheme (with indicators and bands) into a new draft version — the way to change one."""
    last = Scheme.objects.filter(year=scheme.year, kind=scheme.kind).order_by("-version").first()
    indicators = list(scheme.indicators.all())
    bands = list(scheme.bands.all())
    new = Scheme.objects.get(pk=scheme.pk)
    new.pk = None
    new._state.adding = True
    new.version = last.version + 1
    new.status = SchemeStatus.DRAFT
    new.published_at = None
    new.supersedes = scheme
    new.save()
    for i in indicators:
        i.pk = None
        i.scheme = new
    for b in bands:
        b.pk = None
        b.scheme = new
    new.indicators.model.objects.bulk_create(indicators)
    new.bands.model.objects.bulk_create(bands)
    new.branch_types.set(scheme.branch_types.all())
    audit_record(actor=actor, action="scheme_new_version", obj=new)
    return new
