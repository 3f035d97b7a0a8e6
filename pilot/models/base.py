"""Shared by the pilot's model modules: the user model reference and the organization foreign key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Organization

User = settings.AUTH_USER_MODEL


def _org_fk(related_name: str, verbose=None):
    return models.ForeignKey(
        Organization, verbose_name=verbose or _("党组织"), on_delete=models.PROTECT, related_name=related_name
    )
