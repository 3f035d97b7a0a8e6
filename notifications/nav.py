from django.urls import reverse
from django.utils.translation import gettext as _

from branches.registry import NavItem

from .selectors import unread_count


def nav_items(user):
    n = unread_count(user=user)
    label = _("消息（%(n)s）") % {"n": n} if n else _("消息")
    return [NavItem(label, reverse("notifications:list"), "notifications")]
