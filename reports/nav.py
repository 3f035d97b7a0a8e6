from django.urls import reverse
from django.utils.translation import gettext as _

from branches.policy import Action, may_anywhere
from branches.registry import NavItem


def nav_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    items = [NavItem(_("四全看板"), reverse("reports:dashboard"), "reports")]
    # Batches are run by a township or the department; a unit's own report is on its page.
    if may_anywhere(user, Action.RUN_REPORTS):
        items.append(
            NavItem(_("年度考核报告"), reverse("reports:batch_list"), "report_batches", primary=False)
        )
    return items
