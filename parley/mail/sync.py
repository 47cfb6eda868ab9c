"""Sync one mailbox once: every message on the server stored exactly once.

See docs/architecture.md ("Mail pipeline"). Per folder: STATUS tells whether anything changed
since the last sync (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ with CONDSTORE); if so the folder is
opened read-only (EXAMINE), new UIDs are searched after the folder's `last_uid` and fetched
with BODY.PEEK[] in batches (count and bytes). Each batch is ingested in ONE transaction that
also saves the folder's `last_uid`, so a crash anywhere redoes at most the current batch, and
ingest's dedupe (location, then Message-ID + content hash) makes the redo harmless. A changed
UIDVALIDITY restarts the folder from UID 0 under the new value; dedupe keeps it free of
duplicates. Nothing is ever written to the server.

A mailbox is synced by one worker at a time: a lease (`lease_owner`, `lease_until`) claimed by
compare-and-swap, renewed after every batch and released at the end.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parley.mail.exceptions import FolderMissingError, MailboxBusyError, MailError
from parley.mail.ingest import BatchItem, Location, known_uids, prepare_batch, write_batch
from parley.mail.models import FolderRole, Mailbox, MailFolder, MessageSource
from parley.mail.parsepool import ParsePool
from parley.mail.providers.imap.client import FolderInfo, ImapClient
from parley.mail.services import connect_mailbox, missing_folders

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300
BATCH_MESSAGES = 200
BATCH_BYTES = 20 * 1024 * 1024


class SyncHook(Protocol):
    """Called at each step of a batch; tests raise from it to inject crashes."""

    def __call__(self, step: str, /, **context: Any) -> None: ...


def _no_hook(step: str, /, **context: Any) -> None:
    return None


@dataclass(slots=True)
class FolderReport:
    name: str
    fetched: int = 0
    created: int = 0
    unchanged: bool = False
    uidvalidity_changed: bool = False


@dataclass(slots=True)
class SyncReport:
    mailbox: str
    folders: list[FolderReport] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(folder.fetched for folder in self.folders)

    @property
    def created(self) -> int:
        return sum(folder.created for folder in self.folders)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    owner: str
    hook: SyncHook = _no_hook
    batch_messages: int = BATCH_MESSAGES
    batch_bytes: int = BATCH_BYTES
    lease_seconds: int = LEASE_SECONDS
    should_stop: Callable[[], bool] = lambda: False
    # Parses each batch on several cores; None parses in-process.
    pool: ParsePool | None = None
    # The mailbox is the e-mail assistant's: its INBOX mail has the source "assistant".
    assistant: bool = False


# Lease.


def new_lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_lease(mailbox_id: int, owner: str, *, seconds: int = LEASE_SECONDS) -> bool:
    """Take the mailbox if its lease is free, expired or already ours (compare-and-swap)."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
    updated = Mailbox.objects.filter(free, pk=mailbox_id).update(
        lease_owner=owner, lease_until=now + timedelta(seconds=seconds)
    )
    return updated == 1


def renew_lease(mailbox_id: int, owner: str, *, seconds: int = LEASE_SECONDS) -> None:
    updated = Mailbox.objects.filter(pk=mailbox_id, lease_owner=owner).update(
        lease_until=timezone.now() + timedelta(seconds=seconds)
    )
    if updated != 1:
        raise MailboxBusyError(f"Mailbox {mailbox_id}: the sync lease was lost.")


def release_lease(mailbox_id: int, owner: str) -> None:
    Mailbox.objects.filter(pk=mailbox_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


# Status on the mailbox.


def record_success(mailbox: Mailbox) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_sync_at=now, last_error="", last_error_at=None
    )
    mailbox.last_sync_at, mailbox.last_error, mailbox.last_error_at = now, "", None


def record_failure(mailbox: Mailbox, error: BaseException) -> None:
    now = timezone.now()
    message = str(error) or error.__class__.__name__
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=message[:2000], last_error_at=now)
    mailbox.last_error, mailbox.last_error_at = message, now


# Sync.


def sync_mailbox(
    mailbox: Mailbox,
    *,
    owner: str | None = None,
    hook: SyncHook = _no_hook,
    batch_messages: int = BATCH_MESSAGES,
    batch_bytes: int = BATCH_BYTES,
) -> SyncReport:
    """Claim the lease, connect, sync every enabled folder, record the outcome, release.

    Raises MailboxBusyError when another worker holds the lease, and re-raises the failure
    (after recording it on the mailbox) otherwise. Never calls sys.exit().
    """
    options = SyncOptions(
        owner=owner or new_lease_owner(),
        hook=hook,
        batch_messages=batch_messages,
        batch_bytes=batch_bytes,
    )
    if not claim_lease(mailbox.pk, options.owner, seconds=options.lease_seconds):
        raise MailboxBusyError(f"Mailbox {mailbox.name} is being synced by another worker.")
    try:
        try:
            with connect_mailbox(mailbox) as client, ParsePool() as pool:
                options = replace(options, pool=pool)
                report = sync_with_client(client, mailbox, options)
        except Exception as exc:
            record_failure(mailbox, exc)
            logger.warning(
                "Sync of mailbox %s failed: %s",
                mailbox.pk,
                exc,
                exc_info=not isinstance(exc, MailError),
            )
            raise
        record_success(mailbox)
        return report
    finally:
        release_lease(mailbox.pk, options.owner)


def sync_with_client(client: ImapClient, mailbox: Mailbox, options: SyncOptions) -> SyncReport:
    """Sync every enabled folder over an open connection (the caller holds the lease).

    A folder missing on the server does not stop the others; it is reported at the end.
    """
    options = replace(options, assistant=is_assistant_mailbox(mailbox.pk))
    listing = client.list_folders()
    folders = ensure_folders(client, mailbox, listing)
    missing = set(missing_folders([folder.name for folder in folders], listing))
    report = SyncReport(mailbox=mailbox.name)
    for folder in folders:
        if options.should_stop():
            break
        if folder.name in missing:
            continue
        report.folders.append(sync_folder(client, folder, options))
        renew_lease(mailbox.pk, options.owner, seconds=options.lease_seconds)
    if missing:
        raise FolderMissingError(
            f"These folders do not exist on the server: {', '.join(sorted(missing))}."
        )
    return report


def ensure_folders(
    client: ImapClient, mailbox: Mailbox, listing: Sequence[FolderInfo]
) -> list[MailFolder]:
    """The folders to sync; on the first sync INBOX and the Sent folder the server announces."""
    folders = list(mailbox.folders.all())
    if not folders:
        with transaction.atomic():
            folders.append(
                MailFolder.objects.get_or_create(
                    mailbox=mailbox, name="INBOX", defaults={"role": FolderRole.INBOX}
                )[0]
            )
            sent = client.find_sent(listing)
            if sent is not None:
                folders.append(
                    MailFolder.objects.get_or_create(
                        mailbox=mailbox, name=sent.name, defaults={"role": FolderRole.SENT}
                    )[0]
                )
    else:
        sent = client.find_sent(listing)
        for folder in folders:
            if sent is not None and folder.name == sent.name and folder.role != FolderRole.SENT:
                MailFolder.objects.filter(pk=folder.pk).update(role=FolderRole.SENT)
                folder.role = FolderRole.SENT
    return [folder for folder in folders if folder.enabled]


def is_assistant_mailbox(mailbox_id: int) -> bool:
    """Whether the mailbox is the e-mail assistant's (AS3), decided once per sync run.

    Coupling, on purpose: `parley.triage.models.AssistantMailbox` points at the mailbox with
    a one-to-one whose reverse name is `assistant`. Mail looks it up through the ORM by that
    name so that it does not import triage (imports flow from triage to mail).
    """
    return Mailbox.objects.filter(pk=mailbox_id, assistant__isnull=False).exists()


def _source(folder: MailFolder, *, assistant: bool = False) -> MessageSource:
    if folder.role == FolderRole.SENT:
        return MessageSource.SENT
    if assistant and folder.role == FolderRole.INBOX:
        return MessageSource.ASSISTANT
    return MessageSource.INBOX


def sync_folder(client: ImapClient, folder: MailFolder, options: SyncOptions) -> FolderReport:
    report = FolderReport(name=folder.name)
    status = client.status(folder.name)
    if folder.uidvalidity == status.uidvalidity and _unchanged(
        folder, status.highestmodseq, status.uidnext
    ):
        report.unchanged = True
        return report
    state = client.examine(folder.name)
    if folder.uidvalidity != state.uidvalidity:
        if folder.uidvalidity is not None:
            logger.warning(
                "Mailbox %s folder %s: UIDVALIDITY changed from %s to %s, rescanning.",
                folder.mailbox_id,
                folder.name,
                folder.uidvalidity,
                state.uidvalidity,
            )
            report.uidvalidity_changed = True
        # Saved on its own: a crash after this point rescans under the new UIDVALIDITY.
        folder.uidvalidity, folder.last_uid, folder.highestmodseq = state.uidvalidity, 0, None
        folder.save(update_fields=["uidvalidity", "last_uid", "highestmodseq"])
    uidvalidity = state.uidvalidity
    uids = client.uids_after(folder.last_uid)
    if uids:
        known = known_uids(folder=folder, uidvalidity=uidvalidity, uids=uids)
        uids = [uid for uid in uids if uid not in known] or []
    sizes = client.sizes(uids) if uids else {}
    for batch in _batches(uids, sizes, options.batch_messages, options.batch_bytes):
        if options.should_stop():
            return report
        _sync_batch(client, folder, batch, options, report)
        renew_lease(folder.mailbox_id, options.owner, seconds=options.lease_seconds)
    folder.highestmodseq = state.highestmodseq
    folder.last_sync_at = timezone.now()
    folder.save(update_fields=["highestmodseq", "last_sync_at"])
    return report


def _unchanged(folder: MailFolder, highestmodseq: int | None, uidnext: int | None) -> bool:
    if highestmodseq is not None and folder.highestmodseq == highestmodseq:
        return True
    return uidnext is not None and uidnext <= folder.last_uid + 1


def _sync_batch(
    client: ImapClient,
    folder: MailFolder,
    batch: list[int],
    options: SyncOptions,
    report: FolderReport,
) -> None:
    hook = options.hook
    hook("before_fetch", client=client, folder=folder, uids=batch)
    messages = client.fetch(batch)
    hook("after_fetch", folder=folder, uids=batch, count=len(messages))
    # sync_folder has just set the folder's UIDVALIDITY to the server's.
    uidvalidity = folder.uidvalidity or 0
    items = [
        BatchItem(raw=m.raw, location=Location(folder=folder, uidvalidity=uidvalidity, uid=m.uid))
        for m in messages
    ]
    # Blobs, parse and lookups outside the write transaction (it holds SQLite's lock).
    prepared = prepare_batch(
        items,
        source=_source(folder, assistant=options.assistant),
        mailbox=folder.mailbox,
        pool=options.pool,
    )
    # The prepared batch holds no raw bytes: free them before writing.
    del messages, items
    count = len(prepared.items)
    with transaction.atomic():
        results = write_batch(prepared)
        for index, (item, result) in enumerate(zip(prepared.items, results, strict=True)):
            report.created += int(result.created)
            uid = item.location.uid if item.location is not None else None
            hook("after_ingest", folder=folder, index=index, uid=uid)
        hook("before_progress_save", folder=folder, uids=batch)
        # The largest UID asked for, even if the server expunged some in the meantime.
        folder.last_uid = max(batch)
        folder.last_sync_at = timezone.now()
        folder.save(update_fields=["last_uid", "last_sync_at"])
    report.fetched += count
    hook("after_commit", folder=folder, uids=batch)


def _batches(
    uids: Sequence[int], sizes: dict[int, int], max_count: int, max_bytes: int
) -> Iterator[list[int]]:
    batch: list[int] = []
    batch_bytes = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= max_count or batch_bytes + size > max_bytes):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(uid)
        batch_bytes += size
    if batch:
        yield batch
