from django.urls import reverse
from django.utils.translation import gettext as _

from branches.registry import NavItem


def nav_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        NavItem(_("四全看板"), reverse("reports:dashboard"), "reports"),
        NavItem(_("年度考核报告"), reverse("reports:batch_list"), "report_batches"),
    ]
