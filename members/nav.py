from django.urls import reverse
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere
from branches.registry import NavItem


def nav_items(user):
    if not may_anywhere(user, Action.SEE):
        return []
    return [NavItem(_("党员"), reverse("members:list"), "members")]
