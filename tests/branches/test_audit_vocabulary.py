"""Audit actions are one enumerated vocabulary (``branches.models.AuditAction``)."""

import re
from pathlib import Path

import pytest

from branches.audit import audit_record
from branches.models import AuditAction

ROOT = Path(__file__).resolve().parents[2]
APPS = ["branches", "members", "pilot", "assessments", "reports"]
# Rectification events (``FindingEvent``, their own table) and argparse's actions.
NOT_AUDIT = {
    "found",
    "answered",
    "closed",
    "reopened",
    "appealed",
    "ruled",
    "escalated",
    "store_true",
    "append",
}


def test_every_action_the_services_write_is_in_the_vocabulary():
    """A service that writes an action the vocabulary lacks fails here, before it fails in use."""
    literal = re.compile(r'action=(?:f)?"([^"{]+)"')
    unknown = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "audit_record" not in text and "audit_bulk" not in text:
                continue
            for m in literal.finditer(text):
                if m.group(1) not in AuditAction.values and m.group(1) not in NOT_AUDIT:
                    unknown.add(f"{path.relative_to(ROOT)}: {m.group(1)}")
    assert not unknown, sorted(unknown)


def test_an_action_outside_the_vocabulary_is_refused(small_city):
    with pytest.raises(ValueError, match="AuditAction"):
        audit_record(actor=None, action="something_new", obj=small_city.a1)
