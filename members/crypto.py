"""Encryption at rest for resident IDs, and the keyed-hash blind index used to look them up.

Why our own 40 lines rather than a package: we need MultiFernet (newest key encrypts, every
listed key decrypts) so keys rotate without downtime, and the blind index must be computed in
bulk imports without instantiating models. Rotation: prepend a new key to
``FIELD_ENCRYPTION_KEYS`` and run ``manage.py rotate_keys``, which re-encrypts every row.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def blind_index(value: str) -> str:
    """HMAC-SHA256 of the normalized value: equal IDs give equal hashes, the hash reveals nothing."""
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """Stores Fernet ciphertext; Python code sees the clear value."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
