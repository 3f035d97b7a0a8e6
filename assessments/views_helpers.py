"""Helpers shared by the assessments pages: the period parameter, error messages, dates."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from branches import params

from . import selectors, services
from .models import SchemeKind
from .scoring import PeriodError

scoring_errors = (ValidationError, PeriodError)


def _period(request, kind=SchemeKind.SUPERVISION, shapes="QHY") -> str:
    return params.period(
        request,
        lambda: selectors.latest_published_period(kind=kind) or services.current_quarter(),
        shapes=shapes,
    )


def _fail(request, e: ValidationError):
    for m in e.messages:
        messages.error(request, m)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({"deadline": _("完成时限请填写日期，如 2024-06-30。")}) from None
