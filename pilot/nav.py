from django.urls import reverse
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere
from branches.registry import NavItem


def nav_items(user):
    items = [NavItem(_("月度清单"), reverse("pilot:checklist"), "pilot_checklist")]
    if may_anywhere(user, Action.REVIEW):
        items.append(NavItem(_("审核矩阵"), reverse("pilot:matrix"), "pilot_matrix"))
    items += [
        NavItem(_("试点方案"), reverse("pilot:plan"), "pilot_plan", primary=False),
        NavItem(_("通知"), reverse("pilot:notices"), "pilot_notices"),
        NavItem(_("品牌展示"), reverse("pilot:brands"), "pilot_brands", primary=False),
    ]
    return items
