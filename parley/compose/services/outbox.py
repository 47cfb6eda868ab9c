"""The outbox: send each queued message exactly once (issue 5 part 4, CO6).

See docs/architecture.md ("Outbox"). The worker (``parley outbox``) calls these:

1. ``claim`` — a compare-and-swap update ``waiting → sending`` that also records the attempt
   (``attempt_started_at``, ``attempts + 1``). It commits before any SMTP command, so the
   database knows an attempt was made before the server sees DATA.
2. ``deliver`` — one SMTP exchange (parley.mail.providers.smtp.client), then one of:
   accepted → ``sent``; 4xx, refused connection or a timeout before the end of the data →
   back to ``waiting`` with an exponential backoff (``failed`` after
   PARLEY_OUTBOX_MAX_ATTEMPTS); 5xx → ``failed`` with the server's text; the connection lost
   after the whole message was transmitted → ``check``.
3. ``mark_stale_as_check`` — at start-up (and every minute), a message still ``sending``
   whose attempt began more than PARLEY_OUTBOX_STALE_SECONDS ago belonged to a worker that
   died mid-attempt: the server may have accepted it, so a human decides (``check``). It is
   never resent on its own.
4. ``file_sent_copy`` — after ``sent``: the same bytes are filed in Parley through
   ``ingest_raw`` (so the conversation shows them) and APPENDed to the mailbox's Sent
   folder. Both are retried on their own; neither can cause a second SMTP submission.

Every state change is a compare-and-swap on the state it expects, so a human acting on the
message (undo, resolve) and the worker never overwrite each other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.compose.exceptions import ComposeError
from parley.compose.models import OpenEvent, OutgoingMessage, State
from parley.mail import blobs
from parley.mail.exceptions import MailError
from parley.mail.ingest import ingest_raw
from parley.mail.models import AuthMethod, FolderRole, Mailbox, MessageSource
from parley.mail.providers.smtp.client import (
    SmtpAmbiguousError,
    SmtpPermanentError,
    SmtpSettings,
    SmtpTemporaryError,
    send_raw,
)
from parley.mail.secrets import decrypt_secret
from parley.mail.services import connect_mailbox

logger = logging.getLogger(__name__)

MAX_APPEND_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def _no_hook(step: str) -> None:
    return None


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at one hour."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_MAX_SECONDS)
    )


def due_ids(*, now: datetime, limit: int = 50) -> list[int]:
    return list(
        OutgoingMessage.objects.due(now)
        .order_by("send_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(*, pk: int, now: datetime) -> bool:
    """Take a due message for sending; False when someone else took it (or it was undone)."""
    with transaction.atomic(durable=True):
        return bool(
            OutgoingMessage.objects.filter(pk=pk, state=State.WAITING, send_at__lte=now).update(
                state=State.SENDING,
                attempt_started_at=now,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
        )


def _move(pk: int, *, frm: State, to: State, **fields: object) -> bool:
    with transaction.atomic(durable=True):
        return bool(
            OutgoingMessage.objects.filter(pk=pk, state=frm).update(
                state=to, updated_at=timezone.now(), **fields
            )
        )


def smtp_settings_for(mailbox: Mailbox) -> SmtpSettings:
    secret = decrypt_secret(mailbox.secret_encrypted)
    token = ""
    if mailbox.auth_method == AuthMethod.XOAUTH2:
        try:
            token = str(json.loads(secret)["access_token"])
        except (ValueError, KeyError, TypeError):
            token = secret
        secret = ""
    return SmtpSettings(
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        security=mailbox.smtp_security,
        username=mailbox.username,
        password=secret,
        xoauth2_token=token,
        timeout=float(settings.PARLEY_SMTP_TIMEOUT),
    )


def deliver(
    *, pk: int, hook: Callable[[str], None] = _no_hook, now: datetime | None = None
) -> State:
    """One SMTP attempt for a message this worker has claimed; returns the new state.

    Each outcome is saved in its own transaction. Exceptions raised by `hook` (tests' crash
    injection) propagate and leave the message ``sending``, as a dead process would.
    """
    outgoing = OutgoingMessage.objects.select_related("mailbox").get(pk=pk, state=State.SENDING)
    now = now or timezone.now()
    mailbox = outgoing.mailbox
    try:
        if mailbox is None or not mailbox.smtp_host:
            raise SmtpPermanentError(_("The sending mailbox has no SMTP server."))
        result = send_raw(
            smtp_settings_for(mailbox),
            mail_from=mailbox.email,
            recipients=outgoing.recipients,
            raw=blobs.read_raw(outgoing.raw_sha256),
            hook=hook,
        )
    except SmtpAmbiguousError as exc:
        logger.warning("Outgoing message %s may have been sent: %s", pk, exc)
        _move(pk, frm=State.SENDING, to=State.CHECK, last_error=str(exc), last_error_at=now)
        return State.CHECK
    except SmtpTemporaryError as exc:
        if outgoing.attempts >= settings.PARLEY_OUTBOX_MAX_ATTEMPTS:
            _move(pk, frm=State.SENDING, to=State.FAILED, last_error=str(exc), last_error_at=now)
            return State.FAILED
        logger.info("Outgoing message %s will be retried: %s", pk, exc)
        _move(
            pk,
            frm=State.SENDING,
            to=State.WAITING,
            send_at=now + backoff(outgoing.attempts),
            last_error=str(exc),
            last_error_at=now,
        )
        return State.WAITING
    except (SmtpPermanentError, MailError) as exc:
        # MailError other than SMTP: the mailbox's secret cannot be decrypted.
        logger.info("Outgoing message %s failed: %s", pk, exc)
        _move(pk, frm=State.SENDING, to=State.FAILED, last_error=str(exc), last_error_at=now)
        return State.FAILED
    refused = "; ".join(f"{rcpt}: {why}" for rcpt, why in result.refused.items())
    _move(
        pk,
        frm=State.SENDING,
        to=State.SENT,
        sent_at=timezone.now(),
        smtp_response=result.response,
        last_error=_("Refused recipients: %(list)s") % {"list": refused} if refused else "",
    )
    file_sent_copy(pk=pk)
    return State.SENT


def mark_stale_as_check(*, now: datetime) -> int:
    """Attempts of dead workers: `sending` for too long → `check` (never resent silently)."""
    cutoff = now - timedelta(seconds=settings.PARLEY_OUTBOX_STALE_SECONDS)
    with transaction.atomic(durable=True):
        count = OutgoingMessage.objects.filter(
            state=State.SENDING, attempt_started_at__lt=cutoff
        ).update(
            state=State.CHECK,
            last_error=_(
                "The worker stopped during sending: the message may or may not have been "
                "delivered. Check with the recipient, then mark it as sent or send it again."
            ),
            last_error_at=now,
            updated_at=now,
        )
    if count:
        logger.warning("%d outgoing message(s) left in sending were marked for checking", count)
    return count


def resolve_check(*, outgoing: OutgoingMessage, delivered: bool) -> OutgoingMessage:
    """A human decided about a message in `check`: it arrived (→ sent) or send it again."""
    if delivered:
        moved = _move(outgoing.pk, frm=State.CHECK, to=State.SENT, sent_at=timezone.now())
    else:
        moved = _move(outgoing.pk, frm=State.CHECK, to=State.WAITING, send_at=timezone.now())
    if not moved:
        raise ComposeError(_("This message does not need checking any more."))
    if delivered:
        file_sent_copy(pk=outgoing.pk)
    outgoing.refresh_from_db()
    return outgoing


def retry_failed(*, outgoing: OutgoingMessage) -> OutgoingMessage:
    """Send a failed message again as it is (after the mailbox was fixed, say)."""
    if not _move(
        outgoing.pk, frm=State.FAILED, to=State.WAITING, send_at=timezone.now(), attempts=0
    ):
        raise ComposeError(_("Only a failed message can be retried."))
    outgoing.refresh_from_db()
    return outgoing


# The copy in Parley and in the Sent folder.


def _ingest_copy(outgoing: OutgoingMessage, raw: bytes) -> None:
    if outgoing.sent_message_id is not None or outgoing.mailbox is None:
        return
    result = ingest_raw(raw=raw, source=MessageSource.SENT, mailbox=outgoing.mailbox)
    with transaction.atomic(durable=True):
        OutgoingMessage.objects.filter(pk=outgoing.pk).update(sent_message=result.message)


def _sent_folder(mailbox: Mailbox, client_find: Callable[[], str | None]) -> str | None:
    folder = mailbox.folders.filter(role=FolderRole.SENT).values_list("name", flat=True).first()
    return folder or client_find()


def _append_copy(outgoing: OutgoingMessage, raw: bytes) -> None:
    mailbox = outgoing.mailbox
    if outgoing.appended_at is not None or mailbox is None:
        return
    now = timezone.now()
    try:
        with connect_mailbox(mailbox, timeout=float(settings.PARLEY_SMTP_TIMEOUT)) as client:
            folder = _sent_folder(mailbox, lambda: getattr(client.find_sent(), "name", None))
            if folder is None:
                raise MailError(_("The mailbox has no Sent folder."))
            client.append(folder, raw)
    except MailError as exc:
        logger.warning("Cannot file outgoing message %s in Sent: %s", outgoing.pk, exc)
        OutgoingMessage.objects.filter(pk=outgoing.pk).update(
            append_attempts=F("append_attempts") + 1, append_error=str(exc), updated_at=now
        )
        return
    OutgoingMessage.objects.filter(pk=outgoing.pk).update(
        appended_at=now, append_attempts=F("append_attempts") + 1, append_error=""
    )


def file_sent_copy(*, pk: int) -> None:
    """File a sent message in Parley and in the Sent folder (each step only once).

    Failures are recorded on the row and retried by the worker; they never touch the
    message's state, so they cannot cause a second SMTP submission.
    """
    outgoing = OutgoingMessage.objects.select_related("mailbox").get(pk=pk, state=State.SENT)
    if not outgoing.raw_sha256:
        return
    raw = blobs.read_raw(outgoing.raw_sha256)
    try:
        _ingest_copy(outgoing, raw)
    except Exception:
        logger.exception("Cannot file outgoing message %s in its conversation", pk)
    _append_copy(outgoing, raw)


def copies_to_retry(*, now: datetime, limit: int = 20) -> list[int]:
    """Sent messages whose Parley copy or Sent-folder copy is still missing."""
    missing = Q(sent_message__isnull=True) | Q(
        appended_at__isnull=True, append_attempts__lt=MAX_APPEND_ATTEMPTS
    )
    return list(
        OutgoingMessage.objects.filter(
            missing, state=State.SENT, updated_at__lt=now - timedelta(minutes=1)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


# Open tracking (CO5).

TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def record_open(*, token: str, user_agent: str) -> bool:
    """Record that the pixel of a sent message was loaded (time and user agent, no IP)."""
    outgoing = OutgoingMessage.objects.filter(
        tracking_token=token, track_opens=True, state=State.SENT
    ).first()
    if outgoing is None:
        return False
    with transaction.atomic(durable=True):
        OpenEvent.objects.create(outgoing=outgoing, user_agent=user_agent[:500])
    return True
