"""Content-addressed blob storage for raw messages and attachment contents.

Blobs live in Django's ``storages["default"]`` (the STORAGES setting), so moving them to S3
is a settings change. A blob's name is derived from the SHA-256 of its bytes
(``raw/ab/cd/<sha256>.eml`` for a raw message, ``att/ab/cd/<sha256>`` for an attachment), so
writing is idempotent: the same bytes are stored once however often they arrive.
"""

from __future__ import annotations

import hashlib
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import storages


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_path(sha256: str) -> str:
    return f"raw/{sha256[:2]}/{sha256[2:4]}/{sha256}.eml"


def attachment_path(sha256: str) -> str:
    return f"att/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _store(path: str, data: bytes) -> None:
    storage = storages["default"]
    if storage.exists(path):
        return
    # Two workers may race to write the same blob; the loser's copy gets another name and is
    # never referenced, while the canonical path holds identical bytes either way.
    storage.save(path, ContentFile(data))


def store_raw(data: bytes) -> str:
    """Store the raw RFC 5322 bytes of a message; returns their SHA-256."""
    digest = sha256_hex(data)
    _store(raw_path(digest), data)
    return digest


def store_attachment(data: bytes) -> str:
    """Store the decoded content of an attachment; returns its SHA-256."""
    digest = sha256_hex(data)
    _store(attachment_path(digest), data)
    return digest


def open_raw(sha256: str) -> IO[bytes]:
    return storages["default"].open(raw_path(sha256), "rb")


def read_raw(sha256: str) -> bytes:
    with open_raw(sha256) as handle:
        return handle.read()


def open_attachment(sha256: str) -> IO[bytes]:
    return storages["default"].open(attachment_path(sha256), "rb")
