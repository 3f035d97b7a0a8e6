from django.urls import reverse
from django.utils.translation import gettext as _

from branches.registry import NavItem
from branches.scoping import scope_paths


def nav_items(user):
    if not scope_paths(user):
        return []
    return [NavItem(_("党员"), reverse("members:list"), "members")]
