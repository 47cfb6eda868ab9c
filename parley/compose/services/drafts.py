"""Drafts: start a reply, reply-all, forward or new conversation; edit, attach, send (queue),
schedule, undo (issue 5 parts 1, 3, 4).

Every public function is one durable transaction (called from views, the API, tasks and
tests, never from inside another service). ``queue_message`` builds the MIME once and stores
it raw; from then on only the outbox (``parley.compose.services.outbox``) moves the message,
except ``undo_send`` and ``unschedule``, which win against the worker by compare-and-swap:
they act only while the message is still ``waiting``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from parley.accounts.models import User
from parley.compose.access import sending_mailboxes_for_user
from parley.compose.addresses import MAX_CC, validate_addresses
from parley.compose.exceptions import (
    AttachmentTooLargeError,
    ComposeError,
    NotEditableError,
    TooLateError,
)
from parley.compose.mime import FileToAttach, MimeSpec, build_message, new_message_id
from parley.compose.models import (
    Kind,
    MailboxSendingSettings,
    OutgoingAttachment,
    OutgoingMessage,
    Signature,
    State,
)
from parley.conversations.models import Conversation, Note, Queue
from parley.conversations.services import create_conversation
from parley.mail import blobs
from parley.mail.models import Direction, Mailbox, Message
from parley.mail.parsing import sanitize_html
from parley.mail.threading import normalize_subject, subject_tag

MAX_SCHEDULE_DAYS = 14
_REPLY_PREFIX = "Re: "
_FORWARD_PREFIX = "Fwd: "


@dataclass(frozen=True, slots=True)
class DraftChanges:
    """What the composer form sends; None leaves a field as it is."""

    mailbox: Mailbox | None = None
    to: str | list[str] | None = None
    cc: str | list[str] | None = None
    bcc: str | list[str] | None = None
    subject: str | None = None
    body_html: str | None = None
    queue: Queue | None = None
    track_opens: bool | None = None


def signature_for(*, user: User, mailbox: Mailbox | None) -> str:
    """The user's signature for this mailbox, else their general one, else the mailbox's."""
    rows = Signature.objects.filter(user=user)
    if mailbox is not None:
        own = rows.filter(mailbox=mailbox).first()
        if own is not None:
            return own.body_html
    general = rows.filter(mailbox__isnull=True).first()
    if general is not None:
        return general.body_html
    if user.signature:
        return str(linebreaks(escape(user.signature)))
    if mailbox is not None:
        mailbox_settings = MailboxSendingSettings.objects.filter(mailbox=mailbox).first()
        if mailbox_settings is not None:
            return mailbox_settings.signature_html
    return ""


def _tracks_by_default(mailbox: Mailbox | None) -> bool:
    if mailbox is None:
        return False
    return MailboxSendingSettings.objects.filter(mailbox=mailbox, track_opens=True).exists()


def _new_draft(  # noqa: PLR0913  # keyword-only; the parts of a draft
    *,
    user: User,
    team_id: int,
    mailbox: Mailbox | None,
    kind: Kind,
    conversation: Conversation | None = None,
    parent: Message | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    subject: str = "",
    body_html: str = "",
) -> OutgoingMessage:
    signature = signature_for(user=user, mailbox=mailbox)
    body = "<p></p>" + (f"<p>-- </p>{signature}" if signature else "") + body_html
    return OutgoingMessage.objects.create(
        team_id=team_id,
        author=user,
        mailbox=mailbox,
        kind=kind,
        conversation=conversation,
        parent=parent,
        to=to or [],
        cc=cc or [],
        subject=subject[:900],
        body_html=body,
        message_id=new_message_id(mailbox.email if mailbox else ""),
        tracking_token=secrets.token_urlsafe(24),
        track_opens=_tracks_by_default(mailbox),
    )


def start_new_conversation(
    *, user: User, mailbox: Mailbox, to: list[str] | None = None, body_html: str = ""
) -> OutgoingMessage:
    """A draft that opens a new conversation when it is sent."""
    with transaction.atomic(durable=True):
        return _new_draft(
            user=user,
            team_id=mailbox.team_id,
            mailbox=mailbox,
            kind=Kind.NEW,
            to=to,
            body_html=body_html,
        )


def _prefixed(subject: str, prefix: str) -> str:
    if normalize_subject(subject) != subject.strip().casefold():
        # Already "Re:"/"Fwd:" (or tagged): keep the conversation's subject as it is.
        return subject
    return prefix + subject


def _own_addresses(conversation: Conversation) -> set[str]:
    emails = Mailbox.objects.filter(team_id=conversation.team_id).values_list("email", flat=True)
    return {email.lower() for email in emails}


def _reply_recipients(
    parent: Message, *, everyone: bool, own: set[str]
) -> tuple[list[str], list[str]]:
    if parent.direction == Direction.OUTBOUND:
        to = [a["address"] for a in parent.to]
    else:
        to = [a["address"] for a in parent.reply_to] or [parent.from_address]
    cc: list[str] = []
    if everyone:
        others = [a["address"] for a in [*parent.to, *parent.cc]]
        seen = {a.lower() for a in to} | own
        for address in others:
            if address and address.lower() not in seen:
                cc.append(address)
                seen.add(address.lower())
    return [a for a in to if a and a.lower() not in own] or to, cc


def _quoted(parent: Message) -> str:
    who = escape(parent.from_name or parent.from_address)
    when = parent.date.strftime("%Y-%m-%d %H:%M") if parent.date else ""
    intro = _("On %(date)s, %(sender)s wrote:") % {"date": when, "sender": who}
    inner = sanitize_html(parent.html) if parent.html else linebreaks(escape(parent.text))
    return f"<p>{intro}</p><blockquote>{inner}</blockquote>"


def _forwarded(parent: Message) -> str:
    header = "<br>".join(
        [
            escape(_("---------- Forwarded message ----------")),
            escape(_("From: %(sender)s") % {"sender": parent.from_address}),
            escape(_("Subject: %(subject)s") % {"subject": parent.subject}),
        ]
    )
    inner = sanitize_html(parent.html) if parent.html else linebreaks(escape(parent.text))
    return f"<p>{header}</p>{inner}"


def _default_mailbox(conversation: Conversation, parent: Message | None) -> Mailbox | None:
    if parent is not None and parent.mailbox is not None:
        return parent.mailbox
    return conversation.mailbox


def start_reply(
    *, user: User, conversation: Conversation, parent: Message | None, kind: Kind
) -> OutgoingMessage:
    """A draft answering `parent` (the conversation's last message when None)."""
    if parent is None:
        parent = conversation.messages.alive().order_by("-date", "-pk").first()
    mailbox = _default_mailbox(conversation, parent)
    with transaction.atomic(durable=True):
        if kind == Kind.FORWARD:
            draft = _new_draft(
                user=user,
                team_id=conversation.team_id,
                mailbox=mailbox,
                kind=kind,
                conversation=conversation,
                parent=parent,
                subject=_prefixed(
                    parent.subject if parent else conversation.subject, _FORWARD_PREFIX
                ),
                body_html=_forwarded(parent) if parent else "",
            )
            if parent is not None:
                _copy_attachments(draft, parent)
            return draft
        to, cc = (
            ([], [])
            if parent is None
            else _reply_recipients(
                parent, everyone=kind == Kind.REPLY_ALL, own=_own_addresses(conversation)
            )
        )
        return _new_draft(
            user=user,
            team_id=conversation.team_id,
            mailbox=mailbox,
            kind=kind,
            conversation=conversation,
            parent=parent,
            to=to,
            cc=cc,
            subject=_prefixed(parent.subject if parent else conversation.subject, _REPLY_PREFIX),
            body_html=_quoted(parent) if parent else "",
        )


def start_forward_conversation(
    *, user: User, conversation: Conversation, include_notes: bool
) -> OutgoingMessage:
    """Forward the whole conversation (optionally with its internal notes) in one message;
    its tag and References make the answer come back into the same conversation."""
    parts = [_forwarded(m) for m in conversation.messages.alive().order_by("date", "pk")]
    if include_notes:
        for note in Note.objects.filter(conversation=conversation):
            label = escape(_("Internal note by %(author)s") % {"author": note.author or "?"})
            parts.append(f"<p><em>{label}</em></p>{linebreaks(escape(note.body))}")
    last = conversation.messages.alive().order_by("-date", "-pk").first()
    with transaction.atomic(durable=True):
        return _new_draft(
            user=user,
            team_id=conversation.team_id,
            mailbox=_default_mailbox(conversation, last),
            kind=Kind.FORWARD,
            conversation=conversation,
            parent=last,
            subject=_prefixed(conversation.subject, _FORWARD_PREFIX),
            body_html="<hr>".join(parts),
        )


def _copy_attachments(draft: OutgoingMessage, parent: Message) -> None:
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(
            outgoing=draft,
            filename=att.filename or "attachment",
            content_type=att.content_type,
            size=att.size,
            sha256=att.sha256,
        )
        for att in parent.attachments.filter(is_inline=False)
    )


def _require_editable(outgoing: OutgoingMessage) -> None:
    if not outgoing.is_editable:
        raise NotEditableError(_("This message is no longer a draft and cannot be changed."))


def update_draft(*, outgoing: OutgoingMessage, changes: DraftChanges) -> OutgoingMessage:
    """Save the composer's fields (autosave). Addresses are checked only when sending, so
    an unfinished address never blocks saving."""
    _require_editable(outgoing)
    fields = ["updated_at"]
    for name in ("to", "cc", "bcc"):
        value = getattr(changes, name)
        if value is not None:
            setattr(outgoing, name, [value] if isinstance(value, str) else list(value))
            fields.append(name)
    if changes.mailbox is not None and changes.mailbox.team_id == outgoing.team_id:
        outgoing.mailbox = changes.mailbox
        fields.append("mailbox")
    if changes.subject is not None:
        outgoing.subject = changes.subject.strip()[:900]
        fields.append("subject")
    if changes.body_html is not None:
        outgoing.body_html = sanitize_html(changes.body_html)
        fields.append("body_html")
    if changes.queue is not None and changes.queue.team_id == outgoing.team_id:
        outgoing.queue = changes.queue
        fields.append("queue")
    if changes.track_opens is not None:
        outgoing.track_opens = changes.track_opens
        fields.append("track_opens")
    outgoing.updated_at = timezone.now()
    with transaction.atomic(durable=True):
        # Only while still a draft: a draft sent meanwhile in another tab is left alone.
        if not OutgoingMessage.objects.filter(pk=outgoing.pk, state=State.DRAFT).exists():
            raise NotEditableError(_("This message is no longer a draft and cannot be changed."))
        outgoing.save(update_fields=fields)
    return outgoing


def max_attachment_bytes() -> int:
    return settings.PARLEY_MAX_ATTACHMENT_MB * 1024 * 1024


def add_attachment(
    *, outgoing: OutgoingMessage, filename: str, content_type: str, data: bytes
) -> OutgoingAttachment:
    _require_editable(outgoing)
    if len(data) > max_attachment_bytes():
        raise AttachmentTooLargeError(
            _("%(name)s is too large: files may be at most %(limit)d MB.")
            % {"name": filename, "limit": settings.PARLEY_MAX_ATTACHMENT_MB}
        )
    sha256 = blobs.store_attachment(data)
    with transaction.atomic(durable=True):
        return OutgoingAttachment.objects.create(
            outgoing=outgoing,
            filename=(filename or "attachment")[:255],
            content_type=content_type or "application/octet-stream",
            size=len(data),
            sha256=sha256,
        )


def remove_attachment(*, attachment: OutgoingAttachment) -> None:
    _require_editable(attachment.outgoing)
    with transaction.atomic(durable=True):
        attachment.delete()


def delete_draft(*, outgoing: OutgoingMessage) -> None:
    _require_editable(outgoing)
    with transaction.atomic(durable=True):
        OutgoingMessage.objects.filter(pk=outgoing.pk, state=State.DRAFT).delete()


def _tagged_subject(subject: str, conversation: Conversation) -> str:
    tag = subject_tag(conversation.number)
    return subject if tag in subject else f"{subject} {tag}"


def _references(parent: Message | None) -> tuple[str, list[str]]:
    if parent is None or not parent.message_id:
        return "", []
    chain = [ref for ref in parent.references.split() if ref]
    return parent.message_id, [*chain[-20:], parent.message_id]


def _pixel_url(outgoing: OutgoingMessage) -> str:
    if not outgoing.track_opens or outgoing.kind == Kind.FORWARD:
        return ""
    return settings.SITE_URL + reverse("web:compose_pixel", args=[outgoing.tracking_token])


def _attachment_bytes(sha256: str) -> bytes:
    with blobs.open_attachment(sha256) as handle:
        return handle.read()


def build_raw(outgoing: OutgoingMessage, *, conversation: Conversation, date: datetime) -> bytes:
    """The MIME of `outgoing` (also used by tests to check the round trip)."""
    mailbox = outgoing.mailbox
    assert mailbox is not None  # noqa: S101  # checked by _validate_for_sending
    in_reply_to, references = _references(outgoing.parent)
    attachments = [
        FileToAttach(att.filename, att.content_type, _attachment_bytes(att.sha256))
        for att in outgoing.attachments.all()
    ]
    return build_message(
        MimeSpec(
            from_address=mailbox.email,
            from_name=mailbox.display_name,
            message_id=outgoing.message_id,
            date=date,
            subject=_tagged_subject(outgoing.subject, conversation),
            html=outgoing.body_html,
            to=outgoing.to,
            cc=outgoing.cc,
            in_reply_to=in_reply_to,
            references=references,
            attachments=attachments,
            auto_submitted=outgoing.is_automatic,
            tracking_pixel_url=_pixel_url(outgoing),
        )
    )


def _validate_for_sending(outgoing: OutgoingMessage, user: User) -> None:
    if (
        outgoing.mailbox is None
        or not sending_mailboxes_for_user(user).filter(pk=outgoing.mailbox.pk).exists()
    ):
        raise ComposeError(_("Choose a mailbox you may send from."))
    if not outgoing.mailbox.smtp_host:
        raise ComposeError(_("This mailbox has no SMTP server configured."))
    outgoing.to = validate_addresses(outgoing.to, field=_("To"))
    outgoing.cc = validate_addresses(outgoing.cc, field=_("Cc"), limit=MAX_CC)
    outgoing.bcc = validate_addresses(outgoing.bcc, field=_("Bcc"))
    if not outgoing.recipients:
        raise ComposeError(_("Add at least one recipient."))
    if not outgoing.subject.strip():
        raise ComposeError(_("A subject is required."))
    if (
        outgoing.kind == Kind.NEW
        and outgoing.conversation_id is None
        and outgoing.queue_id is None
        and Queue.objects.filter(team_id=outgoing.team_id).exists()
    ):
        raise ComposeError(_("Choose a queue for the new conversation."))


def _send_time(now: datetime, send_at: datetime | None) -> tuple[datetime, bool]:
    if send_at is None:
        return now + timedelta(seconds=settings.PARLEY_UNDO_SECONDS), False
    if send_at <= now:
        raise ComposeError(_("Choose a time in the future."))
    if send_at > now + timedelta(days=MAX_SCHEDULE_DAYS):
        raise ComposeError(
            _("Messages can be scheduled at most %(days)d days ahead.")
            % {"days": MAX_SCHEDULE_DAYS}
        )
    return send_at, True


def queue_message(
    *,
    outgoing: OutgoingMessage,
    user: User,
    send_at: datetime | None = None,
    now: datetime | None = None,
) -> OutgoingMessage:
    """Send a draft: check it, build and store its MIME once, and put it in the outbox.

    Without `send_at` it waits PARLEY_UNDO_SECONDS (the undo window); with one it is
    scheduled (at most 14 days ahead). A new conversation is opened now, so its number can
    be in the subject. One durable transaction; the worker picks the message up later.
    """
    _require_editable(outgoing)
    now = now or timezone.now()
    due, scheduled = _send_time(now, send_at)
    _validate_for_sending(outgoing, user)
    with transaction.atomic(durable=True):
        conversation = outgoing.conversation
        if conversation is None:
            conversation = create_conversation(
                team=outgoing.mailbox.team,  # type: ignore[union-attr]  # checked above
                subject=outgoing.subject,
                mailbox=outgoing.mailbox,
                queue=outgoing.queue,
            )
        raw = build_raw(outgoing, conversation=conversation, date=due if scheduled else now)
        updated = OutgoingMessage.objects.filter(pk=outgoing.pk, state=State.DRAFT).update(
            conversation=conversation,
            to=outgoing.to,
            cc=outgoing.cc,
            bcc=outgoing.bcc,
            state=State.WAITING,
            send_at=due,
            is_scheduled=scheduled,
            raw_sha256=blobs.store_raw(raw),
            raw_size=len(raw),
            attempts=0,
            last_error="",
            updated_at=now,
        )
        if not updated:
            raise NotEditableError(_("This message is no longer a draft and cannot be changed."))
    outgoing.refresh_from_db()
    return outgoing


def undo_send(*, outgoing: OutgoingMessage, now: datetime | None = None) -> OutgoingMessage:
    """Take a waiting message back into the composer, if the worker has not claimed it yet."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        updated = OutgoingMessage.objects.filter(pk=outgoing.pk, state=State.WAITING).update(
            state=State.DRAFT, send_at=None, is_scheduled=False, updated_at=now
        )
    if not updated:
        raise TooLateError(_("Too late: the message is already being sent."))
    outgoing.refresh_from_db()
    return outgoing


# A scheduled message goes back to the composer the same way: to edit it, or to cancel it.
unschedule = undo_send


def return_to_draft(*, outgoing: OutgoingMessage) -> OutgoingMessage:
    """A failed message goes back to the composer, to be corrected and sent again."""
    with transaction.atomic(durable=True):
        updated = OutgoingMessage.objects.filter(pk=outgoing.pk, state=State.FAILED).update(
            state=State.DRAFT, send_at=None, is_scheduled=False, updated_at=timezone.now()
        )
    if not updated:
        raise NotEditableError(_("Only a failed message can be edited again."))
    outgoing.refresh_from_db()
    return outgoing


def customer_replied_since(outgoing: OutgoingMessage) -> bool:
    """A customer message arrived in the conversation after this one was scheduled."""
    if outgoing.conversation_id is None:
        return False
    return Message.objects.filter(
        conversation_id=outgoing.conversation_id,
        direction=Direction.INBOUND,
        created_at__gt=outgoing.updated_at,
    ).exists()
