from django.urls import reverse
from django.utils.translation import gettext as _

from .policy import Action, may_anywhere
from .registry import NavItem


def nav_items(user):
    items = [
        NavItem(_("首页"), reverse("branches:home"), "home"),
        NavItem(_("组织"), reverse("branches:org_search"), "orgs"),
    ]
    if may_anywhere(user, Action.ADMINISTER) or user.is_staff:
        items.append(NavItem(_("后台管理"), reverse("admin:index"), "admin", primary=False))
    return items
