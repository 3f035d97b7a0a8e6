from django import template

from branches.policy import Action, may_anywhere

register = template.Library()


@register.filter
def is_reviewer(user) -> bool:
    """Township secretaries and the department review the units below them (reads cached grants)."""
    return may_anywhere(user, Action.REVIEW)


@register.filter
def domain_names(codes) -> str:
    """A task's 适用领域 by name (农村、社区), never the stored codes."""
    from branches.models import Domain

    labels = dict(Domain.choices)
    return "、".join(str(labels.get(c, c)) for c in codes or [])
