"""System checks: production needs its own encryption and blind-index keys (issue 14).

Without them the keys used to be derived from ``SECRET_KEY``: rotating the secret made every
stored resident ID unreadable, and leaking it exposed them. With ``DEBUG`` off (and a real
``SECRET_KEY``) a missing, derived or reused key is an **error**: ``check``, ``check --deploy``,
``migrate`` and ``runserver`` stop, and ``config/wsgi.py`` refuses to serve. Development and
tests (``DEBUG`` on, or the embedded dev secret) keep a derived default with a warning.
"""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

HOW = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def _derived(label: str) -> str:
    # The same derivation as config/settings.py uses for the development default.
    return base64.urlsafe_b64encode(
        hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()
    ).decode()


def key_problems() -> list[Error | Warning]:
    from cryptography.fernet import Fernet

    problems: list[Error | Warning] = []
    secret = settings.SECRET_KEY
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    index_key = getattr(settings, "BLIND_INDEX_KEY", "") or ""
    derived = getattr(settings, "KEYS_DERIVED_FROM_SECRET", [])
    dev = getattr(settings, "KEYS_DEV_DEFAULTS_ALLOWED", settings.DEBUG)
    for k in keys:
        try:
            Fernet(k.encode() if isinstance(k, str) else k)
        except (ValueError, TypeError):
            problems.append(
                Error(
                    "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes).",
                    hint=f"Generate one with: {HOW}",
                    id="branches.E004",
                )
            )
            break
    if dev:
        if derived:
            problems.append(
                Warning(
                    f"{' and '.join(derived)} derived from SECRET_KEY (development default).",
                    hint="Fine for development and tests; production refuses to start without its own keys.",
                    id="branches.W001",
                )
            )
        return problems
    from_secret = {secret, _derived("field-encryption"), _derived("blind-index")}
    if "FIELD_ENCRYPTION_KEYS" in derived or not keys:
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is not set: resident IDs would be encrypted with a key derived "
                "from SECRET_KEY.",
                hint=f"Set FIELD_ENCRYPTION_KEYS in .env (comma-separated, newest first). Generate: {HOW}",
                id="branches.E001",
            )
        )
    elif any(k in from_secret for k in keys):
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEYS contains SECRET_KEY or a key derived from it.",
                hint=f"Use a key of its own. Generate: {HOW}",
                id="branches.E003",
            )
        )
    if "BLIND_INDEX_KEY" in derived or not index_key:
        problems.append(
            Error(
                "BLIND_INDEX_KEY is not set: the resident-ID index would use a key derived from SECRET_KEY.",
                hint=f"Set BLIND_INDEX_KEY in .env (then run manage.py rotate_keys). Generate: {HOW}",
                id="branches.E002",
            )
        )
    elif index_key in from_secret or index_key in keys:
        problems.append(
            Error(
                "BLIND_INDEX_KEY equals SECRET_KEY, a key derived from it, or an encryption key.",
                hint=f"The blind-index key must be distinct from every other key. Generate: {HOW}",
                id="branches.E003",
            )
        )
    elif len(index_key) < 32:
        problems.append(
            Error(
                "BLIND_INDEX_KEY is shorter than 32 characters.",
                hint=f"Generate one with: {HOW}",
                id="branches.E005",
            )
        )
    return problems


@register()
def check_keys(app_configs, **kwargs):
    return key_problems()


def refuse_to_start_without_keys() -> None:
    """Called by ``config/wsgi.py``: gunicorn does not run system checks, so it refuses here."""
    errors = [p for p in key_problems() if isinstance(p, Error)]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in errors))
