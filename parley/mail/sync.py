"""Sync one mailbox once: every message on the server stored exactly once.

See docs/architecture.md ("Mail pipeline"). A cycle first plans every folder: STATUS tells
whether anything changed since the last sync (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ with
CONDSTORE); if so the folder is opened read-only (EXAMINE), the new UIDs after its `last_uid`
are searched and their sizes and dates fetched. Then the new messages of ALL folders are
merged oldest first and fetched with BODY.PEEK[] in batches (count and bytes), so a reply is
stored after the message it answers even when one is in INBOX and the other in Sent (threading
needs the parent first). Each batch is ingested in ONE transaction that also saves the
progress of the folders in it: `last_uid` is the highest UID below which every UID of the
folder is stored (the lowest UID still pending, minus one), so a crash anywhere redoes at
most the current batch and skips what is stored, and ingest's dedupe (location, then
Message-ID + content hash) makes any redo harmless. A changed UIDVALIDITY restarts the folder
from UID 0 under the new value; dedupe keeps it free of duplicates. Nothing is ever written
to the server.

A mailbox is synced by one worker at a time: a lease (`lease_owner`, `lease_until`) claimed by
compare-and-swap, renewed after every batch and released at the end.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parley.mail.exceptions import FolderMissingError, MailboxBusyError, MailError
from parley.mail.ingest import (
    BatchItem,
    Location,
    known_uids,
    prepare_batch,
    write_batch,
)
from parley.mail.models import FolderRole, Mailbox, MailFolder, MessageSource
from parley.mail.parsepool import ParsePool
from parley.mail.providers.imap.client import Envelope, FolderInfo, ImapClient
from parley.mail.services import connect_mailbox, missing_folders

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300
BATCH_MESSAGES = 200
BATCH_BYTES = 20 * 1024 * 1024
# UIDs per FETCH of sizes and dates while planning a folder.
ENVELOPE_CHUNK = 2000


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


def sync_with_client(client: ImapClient, mailbox: Mailbox, options: SyncOptions) -> SyncReport:
    """Sync every enabled folder over an open connection (the caller holds the lease).

    The new messages of all folders are ingested together, oldest first (see
    ``plan_folder`` and ``_merged``), so a reply is stored after the message it answers
    whichever folder each is in. A folder missing on the server does not stop the others;
    it is reported at the end.
    """
    options = replace(options, assistant=is_assistant_mailbox(mailbox.pk))
    listing = client.list_folders()
    folders = ensure_folders(client, mailbox, listing)
    missing = set(missing_folders([folder.name for folder in folders], listing))
    report = SyncReport(mailbox=mailbox.name)
    plans: list[FolderPlan] = []
    for folder in folders:
        if options.should_stop():
            break
        if folder.name in missing:
            continue
        plan = plan_folder(client, folder)
        report.folders.append(plan.report)
        if not plan.report.unchanged:
            plans.append(plan)
        renew_lease(mailbox.pk, options.owner, seconds=options.lease_seconds)
    for batch in _batches(_merged(plans), options.batch_messages, options.batch_bytes):
        if options.should_stop():
            break
        _sync_batch(client, plans, batch, options)
        renew_lease(mailbox.pk, options.owner, seconds=options.lease_seconds)
    for plan in plans:
        if plan.complete and not options.should_stop():
            _finish_folder(plan)
    if missing:
        raise FolderMissingError(
            f"These folders do not exist on the server: {', '.join(sorted(missing))}."
        )
    return report


@dataclass(slots=True)
class FolderPlan:
    """One folder's part of a sync cycle: the new UIDs still to store, and their dates.

    ``last_uid`` (the folder's progress) must stay "the highest UID below which every UID of
    the folder is stored", though the folder's messages are stored in date order, not UID
    order: after each batch it becomes the lowest UID still pending, minus one.
    """

    folder: MailFolder
    report: FolderReport
    uidvalidity: int = 0
    highestmodseq: int | None = None
    # The highest UID the server listed after last_uid (0 when none).
    top: int = 0
    pending: list[int] = field(default_factory=list)  # ascending
    # UID -> (when it was written, as POSIX seconds; its size): until the merge.
    keys: dict[int, tuple[float, int]] = field(default_factory=dict)
    stored: set[int] = field(default_factory=set)
    low: int = 0  # index into pending of the lowest UID not stored yet
    # The folder's UIDVALIDITY changed during the cycle: its remaining UIDs wait for the next.
    abandoned: bool = False

    @property
    def complete(self) -> bool:
        return not self.abandoned and self.low >= len(self.pending)

    def mark_stored(self, uids: Iterable[int]) -> int:
        """Record UIDs as stored; the folder's new progress (``last_uid``)."""
        self.stored.update(uids)
        while self.low < len(self.pending) and self.pending[self.low] in self.stored:
            self.low += 1
        if self.low < len(self.pending):
            return max(self.folder.last_uid, self.pending[self.low] - 1)
        return max(self.folder.last_uid, self.top)


@dataclass(frozen=True, order=True, slots=True)
class _Entry:
    """A message to fetch, in the order of the merged cycle."""

    when: float
    tie: int  # on equal dates the Sent copy goes first: it is usually the parent
    folder_index: int
    uid: int
    size: int = field(compare=False)


def plan_folder(client: ImapClient, folder: MailFolder) -> FolderPlan:
    """STATUS (unchanged: nothing to do), else EXAMINE, the new UIDs and their envelopes."""
    plan = FolderPlan(folder=folder, report=FolderReport(name=folder.name))
    status = client.status(folder.name)
    if folder.uidvalidity == status.uidvalidity and _unchanged(
        folder, status.highestmodseq, status.uidnext
    ):
        plan.report.unchanged = True
        return plan
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
            plan.report.uidvalidity_changed = True
        # Saved on its own: a crash after this point rescans under the new UIDVALIDITY.
        folder.uidvalidity, folder.last_uid, folder.highestmodseq = state.uidvalidity, 0, None
        folder.save(update_fields=["uidvalidity", "last_uid", "highestmodseq"])
    plan.uidvalidity, plan.highestmodseq = state.uidvalidity, state.highestmodseq
    uids = client.uids_after(folder.last_uid)
    plan.top = max(uids, default=0)
    if uids:
        known = known_uids(folder=folder, uidvalidity=state.uidvalidity, uids=uids)
        uids = [uid for uid in uids if uid not in known]
    # Chunk by chunk, so that only the compact keys are held for a large folder.
    for start in range(0, len(uids), ENVELOPE_CHUNK):
        envelopes = client.envelopes(uids[start : start + ENVELOPE_CHUNK])
        plan.keys.update((uid, (_sort_time(e), e.size)) for uid, e in envelopes.items())
    plan.pending = uids
    return plan


def _sort_time(envelope: Envelope) -> float:
    """When a message was written, as far as the server lets us know (POSIX seconds).

    The Date header, unless it is later than INTERNALDATE (when the copy reached this
    server): a message cannot be written after it arrived, so a later Date is a wrong clock.
    Date wins otherwise because INTERNALDATE is the filing time, which can be later than the
    answers to it (a mail client files its Sent copy after the out-of-office reply came in)
    and is the import time for mailboxes filled by APPEND without dates.
    """
    dates = [d for d in (envelope.date, envelope.internaldate) if d is not None]
    return min(dates).timestamp() if dates else float("inf")


def _merged(plans: Sequence[FolderPlan]) -> list[_Entry]:
    """The pending UIDs of every folder, oldest first (see ``_sort_time``)."""
    # A UID without an envelope (expunged meanwhile) goes last; its FETCH finds nothing.
    unknown = (float("inf"), 0)
    entries = [
        _Entry(
            when=(key := plan.keys.get(uid, unknown))[0],
            tie=0 if plan.folder.role == FolderRole.SENT else 1,
            folder_index=index,
            uid=uid,
            size=key[1],
        )
        for index, plan in enumerate(plans)
        for uid in plan.pending
    ]
    entries.sort()
    for plan in plans:
        # The dates have served; the plan keeps only what progress needs.
        plan.keys = {}
    return entries


def _finish_folder(plan: FolderPlan) -> None:
    """Every new UID of the folder is stored: save its progress and HIGHESTMODSEQ."""
    folder = plan.folder
    folder.last_uid = plan.mark_stored(())
    folder.highestmodseq = plan.highestmodseq
    folder.last_sync_at = timezone.now()
    folder.save(update_fields=["last_uid", "highestmodseq", "last_sync_at"])


def _unchanged(folder: MailFolder, highestmodseq: int | None, uidnext: int | None) -> bool:
    if highestmodseq is not None and folder.highestmodseq == highestmodseq:
        return True
    return uidnext is not None and uidnext <= folder.last_uid + 1


def _fetch_batch(
    client: ImapClient, plans: Sequence[FolderPlan], batch: Sequence[_Entry]
) -> dict[tuple[int, int], bytes]:
    """The raw bytes of a merged batch, one EXAMINE + FETCH per folder in it.

    The folder already selected goes first, so consecutive batches save an EXAMINE. A
    folder whose UIDVALIDITY changed since it was planned is abandoned for this cycle.
    """
    wanted: dict[int, list[int]] = {}
    for entry in batch:
        if not plans[entry.folder_index].abandoned:
            wanted.setdefault(entry.folder_index, []).append(entry.uid)
    order = sorted(wanted, key=lambda index: plans[index].folder.name != client.selected)
    raws: dict[tuple[int, int], bytes] = {}
    for index in order:
        plan = plans[index]
        if client.selected != plan.folder.name:
            state = client.examine(plan.folder.name)
            if state.uidvalidity != plan.uidvalidity:
                logger.warning(
                    "Mailbox %s folder %s: UIDVALIDITY changed during sync; next cycle.",
                    plan.folder.mailbox_id,
                    plan.folder.name,
                )
                plan.abandoned = True
                continue
        for message in client.fetch(sorted(wanted[index])):
            raws[index, message.uid] = message.raw
    return raws


def _sync_batch(
    client: ImapClient,
    plans: Sequence[FolderPlan],
    batch: list[_Entry],
    options: SyncOptions,
) -> None:
    hook = options.hook
    uids = [(plans[e.folder_index].folder.name, e.uid) for e in batch]
    hook("before_fetch", client=client, uids=uids)
    raws = _fetch_batch(client, plans, batch)
    hook("after_fetch", uids=uids, count=len(raws))
    batch = [e for e in batch if not plans[e.folder_index].abandoned]
    # In date order; a UID the server expunged meanwhile is simply not there.
    present = [e for e in batch if (e.folder_index, e.uid) in raws]
    items = [
        BatchItem(
            raw=raws[e.folder_index, e.uid],
            location=Location(
                folder=plans[e.folder_index].folder,
                uidvalidity=plans[e.folder_index].uidvalidity,
                uid=e.uid,
            ),
            # A merged batch mixes folders: each message gets its own folder's source.
            source=_source(plans[e.folder_index].folder, assistant=options.assistant),
        )
        for e in present
    ]
    # Blobs, parse and lookups outside the write transaction (it holds SQLite's lock).
    prepared = prepare_batch(
        items,
        source=_source(plans[0].folder, assistant=options.assistant),
        mailbox=plans[0].folder.mailbox,
        pool=options.pool,
    )
    # The prepared batch holds no raw bytes: free them before writing.
    del raws, items
    with transaction.atomic():
        results = write_batch(prepared)
        for index, (entry, result) in enumerate(zip(present, results, strict=True)):
            report = plans[entry.folder_index].report
            report.created += int(result.created)
            report.fetched += 1
            hook("after_ingest", index=index, uid=entry.uid)
        hook("before_progress_save", uids=uids)
        _save_progress(plans, batch)
    hook("after_commit", uids=uids)


def _save_progress(plans: Sequence[FolderPlan], batch: Sequence[_Entry]) -> None:
    """Inside the batch's transaction: each folder's ``last_uid`` after this batch."""
    by_folder: dict[int, list[int]] = {}
    for entry in batch:
        by_folder.setdefault(entry.folder_index, []).append(entry.uid)
    now = timezone.now()
    for index, uids in by_folder.items():
        plan = plans[index]
        # A UID asked for counts as stored even if the server expunged it meanwhile.
        last_uid = plan.mark_stored(uids)
        if last_uid != plan.folder.last_uid:
            plan.folder.last_uid, plan.folder.last_sync_at = last_uid, now
            plan.folder.save(update_fields=["last_uid", "last_sync_at"])


def _batches(entries: Sequence[_Entry], max_count: int, max_bytes: int) -> Iterator[list[_Entry]]:
    batch: list[_Entry] = []
    batch_bytes = 0
    for entry in entries:
        if batch and (len(batch) >= max_count or batch_bytes + entry.size > max_bytes):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(entry)
        batch_bytes += entry.size
    if batch:
        yield batch
