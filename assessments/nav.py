from django.urls import reverse
from django.utils.translation import gettext as _

from branches.registry import NavItem
from branches.scoping import is_city_admin, role_kinds


def nav_items(user):
    items = [
        NavItem(_("考核得分"), reverse("assessments:index"), "assessments"),
        NavItem(_("督查整改"), reverse("assessments:findings"), "findings"),
    ]
    if role_kinds(user) & {"inspector", "leader"}:
        items.append(NavItem(_("联系点"), reverse("assessments:contacts"), "contacts"))
    if is_city_admin(user):
        items.append(NavItem(_("计分批次"), reverse("assessments:runs"), "runs"))
    return items
