from django.urls import reverse
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere, role_org_ids
from branches.registry import NavItem


def nav_items(user):
    # Someone who acts for a unit and reviews nothing below goes straight to that unit's score
    # page; the level above gets the rankings of what is below it.
    own = role_org_ids(user, Action.REPORT)
    scores = (
        reverse("assessments:unit_result", args=[own[0]])
        if own and not may_anywhere(user, Action.REVIEW)
        else reverse("assessments:index")
    )
    items = [
        NavItem(_("考核得分"), scores, "assessments"),
        NavItem(_("督查整改"), reverse("assessments:findings"), "findings"),
    ]
    if may_anywhere(user, Action.FOLLOW):
        items.append(NavItem(_("联系点"), reverse("assessments:contacts"), "contacts", primary=False))
    if may_anywhere(user, Action.RUN_JOBS):
        items.append(NavItem(_("计分批次"), reverse("assessments:runs"), "runs", primary=False))
    return items
