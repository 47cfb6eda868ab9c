"""Encryption at rest of mailbox secrets (passwords, OAuth2 tokens).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from settings.SECRET_KEY, which
is PARLEY_SECRET_KEY when set (see config/settings.py). Keys in SECRET_KEY_FALLBACKS still
decrypt, so the key can be rotated: new secrets are written with the current key.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from parley.mail.exceptions import SecretError

_INFO = b"parley.mail.secrets v1"


def _derive(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


@functools.cache
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret_key), *(_derive(key) for key in fallbacks)])


def _current() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def encrypt_secret(plain: str) -> str:
    if not plain:
        return ""
    return _current().encrypt(plain.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretError(
            "The stored mailbox secret cannot be decrypted: was PARLEY_SECRET_KEY changed? "
            "Enter the password again."
        ) from exc
