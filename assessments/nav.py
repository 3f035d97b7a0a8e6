from django.urls import reverse
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere
from branches.registry import NavItem


def nav_items(user):
    items = [
        NavItem(_("考核得分"), reverse("assessments:index"), "assessments"),
        NavItem(_("督查整改"), reverse("assessments:findings"), "findings"),
    ]
    if may_anywhere(user, Action.FOLLOW):
        items.append(NavItem(_("联系点"), reverse("assessments:contacts"), "contacts"))
    if may_anywhere(user, Action.RUN_JOBS):
        items.append(NavItem(_("计分批次"), reverse("assessments:runs"), "runs"))
    return items
