from django import template

from branches.policy import Action, may_anywhere

register = template.Library()


@register.filter
def is_reviewer(user) -> bool:
    """Township secretaries and the department review the units below them (reads cached grants)."""
    return may_anywhere(user, Action.REVIEW)
