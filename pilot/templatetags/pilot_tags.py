from django import template

from branches.scoping import REVIEWERS, role_grants

register = template.Library()


@register.filter
def is_reviewer(user) -> bool:
    """Township secretaries and the department review the units below them (reads cached grants)."""
    return bool(getattr(user, "is_superuser", False) or any(g.kind in REVIEWERS for g in role_grants(user)))
