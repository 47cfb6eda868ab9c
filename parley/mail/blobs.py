"""Content-addressed blob storage for raw messages and attachment contents.

Blobs live in Django's ``storages["default"]`` (the STORAGES setting), so moving them to S3
is a settings change. A blob's name is derived from the SHA-256 of its bytes
(``raw/ab/cd/<sha256>.eml`` for a raw message, ``att/ab/cd/<sha256>`` for an attachment), so
writing is idempotent: the same bytes are stored once however often they arrive.

On a local ``FileSystemStorage`` (the default) blobs are written straight to their path:
one ``stat`` when the blob is already there, else a temporary file renamed into place, so
a crash mid-write never leaves a truncated blob under its final name (which a later write
would then skip). Any other storage (S3...) goes through the Storage API.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_path(sha256: str) -> str:
    return f"raw/{sha256[:2]}/{sha256[2:4]}/{sha256}.eml"


def attachment_path(sha256: str) -> str:
    return f"att/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _make_dirs(storage: FileSystemStorage, folder: str) -> None:
    mode = storage.directory_permissions_mode
    if mode is None:
        os.makedirs(folder, exist_ok=True)
    else:
        os.makedirs(folder, mode=mode, exist_ok=True)


def _store_file(storage: FileSystemStorage, path: str, data: bytes) -> None:
    target = storage.path(path)
    if os.path.exists(target):
        return
    folder = os.path.dirname(target)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    except FileNotFoundError:  # the first blob of this folder
        _make_dirs(storage, folder)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if storage.file_permissions_mode is not None:
            os.chmod(temporary, storage.file_permissions_mode)
        # Atomic; a concurrent writer of the same blob renames identical bytes.
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _store(path: str, data: bytes) -> None:
    storage = storages["default"]
    if type(storage) is FileSystemStorage:
        _store_file(storage, path, data)
        return
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
