from django.urls import reverse
from django.utils.translation import gettext as _

from .registry import NavItem
from .scoping import is_city_admin


def nav_items(user):
    items = [
        NavItem(_("首页"), reverse("branches:home"), "home"),
        NavItem(_("组织"), reverse("branches:org_search"), "orgs"),
    ]
    if is_city_admin(user) or user.is_staff:
        items.append(NavItem(_("后台管理"), reverse("admin:index"), "admin"))
    return items
