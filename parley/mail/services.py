"""Writes to mailboxes and their folders: create, update, pause, resume, remove, and the
connection test; and the GDPR redaction of a person's stored e-mail (`redact_messages`).

Each public function is its own transaction and the only way views, the API, commands and
tests change a Mailbox. Secrets are encrypted here (parley.mail.secrets) and never leave this
module in clear except to log in. Sync progress and status are written by parley.mail.sync.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from parley.accounts.models import Team
from parley.accounts.services import create_team
from parley.lib.signals import records_rewritten
from parley.mail import blobs
from parley.mail.exceptions import FolderMissingError, MailboxInvalidError, MailboxNotFoundError
from parley.mail.models import (
    Attachment,
    AuthMethod,
    Direction,
    FolderRole,
    Mailbox,
    MailFolder,
    Message,
    Security,
)
from parley.mail.providers.imap.client import (
    Authenticator,
    FolderInfo,
    ImapClient,
    ImapSettings,
    PasswordAuthenticator,
    XOAuth2Authenticator,
)
from parley.mail.secrets import decrypt_secret, encrypt_secret

DEFAULT_TEAM_NAME = "Support"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True, slots=True)
class MailboxSettings:
    """Everything about a mailbox a person configures, except its secret and folders."""

    name: str
    email: str
    imap_host: str
    imap_port: int
    imap_security: str
    username: str
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: str = Security.SSL
    display_name: str = ""
    auth_method: str = AuthMethod.PASSWORD


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    capabilities: frozenset[str]
    folders: list[str]
    sent_folder: str | None


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _validate(settings: MailboxSettings, *, exclude_pk: int | None = None) -> None:
    if not settings.name.strip():
        raise MailboxInvalidError(_("A mailbox needs a name."))
    for label, host, security in (
        ("IMAP", settings.imap_host, settings.imap_security),
        ("SMTP", settings.smtp_host, settings.smtp_security),
    ):
        if security not in Security.values:
            raise MailboxInvalidError(
                _("%(label)s security must be ssl, starttls or none.") % {"label": label}
            )
        if host and security == Security.NONE and not is_loopback(host):
            raise MailboxInvalidError(
                _("%(label)s without TLS is allowed only on this machine (loopback).")
                % {"label": label}
            )
    if settings.auth_method not in AuthMethod.values:
        raise MailboxInvalidError(_("Unknown sign-in method."))
    others = Mailbox.objects.filter(name=settings.name.strip())
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise MailboxInvalidError(
            _("A mailbox named %(name)s already exists.") % {"name": settings.name}
        )


def _apply(mailbox: Mailbox, settings: MailboxSettings) -> list[str]:
    fields = [
        "name",
        "email",
        "imap_host",
        "imap_port",
        "imap_security",
        "username",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "display_name",
        "auth_method",
    ]
    for field in fields:
        value = getattr(settings, field)
        setattr(mailbox, field, value.strip() if isinstance(value, str) else value)
    return fields


def default_team() -> Team:
    """The first team, created when there is none (for `parley mailbox add`)."""
    team = Team.objects.order_by("pk").first()
    return team if team is not None else create_team(name=DEFAULT_TEAM_NAME)


def create_mailbox(
    *,
    team: Team,
    settings: MailboxSettings,
    secret: str,
    folders: Sequence[str] | None = None,
) -> Mailbox:
    """Create a mailbox. Without `folders`, INBOX and the server's Sent folder are chosen at
    the first sync. Nothing is contacted here: use check_connection() for that."""
    _validate(settings)
    with transaction.atomic():
        mailbox = Mailbox(team=team, secret_encrypted=encrypt_secret(secret))
        _apply(mailbox, settings)
        try:
            mailbox.save()
        except IntegrityError:
            raise MailboxInvalidError(
                _("A mailbox named %(name)s already exists.") % {"name": settings.name}
            ) from None
        if folders:
            _set_folders(mailbox, folders)
    return mailbox


def update_mailbox(
    *,
    mailbox: Mailbox,
    settings: MailboxSettings,
    secret: str | None = None,
    folders: Sequence[str] | None = None,
) -> Mailbox:
    """Change a mailbox's settings; `secret=None` keeps the stored secret. Changing folders
    keeps the progress of folders that stay."""
    _validate(settings, exclude_pk=mailbox.pk)
    with transaction.atomic():
        fields = _apply(mailbox, settings)
        if secret:
            mailbox.secret_encrypted = encrypt_secret(secret)
            fields.append("secret_encrypted")
        mailbox.save(update_fields=fields)
        if folders is not None:
            _set_folders(mailbox, folders)
    return mailbox


def _set_folders(mailbox: Mailbox, names: Sequence[str]) -> None:
    wanted = [name.strip() for name in names if name.strip()]
    existing = {folder.name: folder for folder in mailbox.folders.all()}
    for name in wanted:
        folder = existing.get(name)
        if folder is None:
            MailFolder.objects.create(mailbox=mailbox, name=name, role=_guess_role(name))
        elif not folder.enabled:
            folder.enabled = True
            folder.save(update_fields=["enabled"])
    # Folders no longer wanted are disabled, not deleted: their locations stay, so
    # re-enabling one later does not refetch it.
    mailbox.folders.exclude(name__in=wanted).update(enabled=False)


def _guess_role(name: str) -> str:
    if name.upper() == "INBOX":
        return FolderRole.INBOX
    if name.casefold() in {"sent", "sent items", "sent messages", "sent mail", "wysłane"}:
        return FolderRole.SENT
    return FolderRole.OTHER


def pause_mailbox(*, mailbox: Mailbox) -> Mailbox:
    """Stop syncing; workers notice at their next wake-up and let go of the mailbox."""
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
    mailbox.is_active = False
    return mailbox


def resume_mailbox(*, mailbox: Mailbox) -> Mailbox:
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(is_active=True)
    mailbox.is_active = True
    return mailbox


def remove_mailbox(*, mailbox: Mailbox) -> None:
    """Delete a mailbox, its folders and locations. Its messages and conversations stay
    (their `mailbox` becomes empty); nothing on the mail server is touched."""
    with transaction.atomic():
        mailbox.delete()


def get_mailbox_by_name(name: str) -> Mailbox:
    mailbox = Mailbox.objects.filter(name=name).first()
    if mailbox is None:
        raise MailboxNotFoundError(_("No mailbox named %(name)s.") % {"name": name})
    return mailbox


def authenticator_for(mailbox: Mailbox) -> Authenticator:
    secret = decrypt_secret(mailbox.secret_encrypted)
    if mailbox.auth_method == AuthMethod.XOAUTH2:
        # The secret is a JSON object with the access (and later refresh) token.
        try:
            token = str(json.loads(secret)["access_token"])
        except (ValueError, KeyError, TypeError):
            token = secret
        return XOAuth2Authenticator(token)
    return PasswordAuthenticator(secret)


def imap_settings_for(mailbox: Mailbox, *, timeout: float = 60.0) -> ImapSettings:
    return ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.username,
        authenticator=authenticator_for(mailbox),
        timeout=timeout,
    )


def connect_mailbox(mailbox: Mailbox, *, timeout: float = 60.0) -> ImapClient:
    return ImapClient.connect(imap_settings_for(mailbox, timeout=timeout))


def check_connection(*, mailbox: Mailbox, timeout: float = 20.0) -> ConnectionReport:
    """Log in, list folders and check that every folder chosen for sync exists.

    Raises a MailboxConnectionError subclass (wrong password, unreachable host, TLS failure,
    missing folder) whose message is meant for the user. Writes nothing.
    """
    with connect_mailbox(mailbox, timeout=timeout) as client:
        listing = client.list_folders()
        sent = client.find_sent(listing)
        capabilities = client.capabilities
    wanted = mailbox.folders.filter(enabled=True).values_list("name", flat=True)
    missing = missing_folders(wanted, listing)
    if missing:
        raise FolderMissingError(
            _("These folders do not exist on the server: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return ConnectionReport(
        capabilities=capabilities,
        folders=[folder.name for folder in listing],
        sent_folder=sent.name if sent else None,
    )


def missing_folders(wanted: Iterable[str], listing: Sequence[FolderInfo]) -> list[str]:
    """The names in `wanted` that the server's LIST did not return (INBOX always exists)."""
    names = {folder.name for folder in listing if folder.selectable}
    return [name for name in wanted if name not in names and name.upper() != "INBOX"]


CHUNK = 500
ERASED_TEXT = "[erased]"
ERASED_ADDRESS = "erased@invalid"
PEOPLE_FIELDS = ("sender", "reply_to", "to", "cc", "bcc")
REDACTED_FIELDS = [
    "subject",
    "from_name",
    "from_address",
    *PEOPLE_FIELDS,
    "text",
    "html",
    "reply_text",
    "snippet",
    "has_attachments",
    "is_erased",
]


def _involving(
    team_id: int, wanted: set[str], conversation_ids: Collection[int]
) -> QuerySet[Message]:
    """Candidates, filtered as far as SQLite and PostgreSQL agree: JSON lists as text."""
    condition = Q(conversation_id__in=list(conversation_ids)) if conversation_ids else Q()
    for address in wanted:
        condition |= Q(from_address__iexact=address)
        # SQLite keeps Django's ASCII-escaped JSON, PostgreSQL's jsonb prints UTF-8.
        for form in {f'"{address}"', json.dumps(address)}:
            for column in PEOPLE_FIELDS:
                condition |= Q(**{f"{column}__icontains": form})
    return Message.objects.filter(condition, conversation__team_id=team_id)


def _redact_people(entries: list[dict[str, str]], wanted: set[str]) -> list[dict[str, str]]:
    return [
        {"name": "", "address": ERASED_ADDRESS}
        if str(entry.get("address", "")).lower() in wanted
        else entry
        for entry in entries or []
    ]


def _redact(message: Message, wanted: set[str], *, linked: bool) -> bool:
    """Blank the person's data in `message`; False when it does not involve them after all."""
    people = {name: getattr(message, name) or [] for name in PEOPLE_FIELDS}
    redacted = {name: _redact_people(entries, wanted) for name, entries in people.items()}
    from_them = message.from_address.lower() in wanted
    # In a conversation linked to the contact, what came in came from them.
    from_them = from_them or (linked and message.direction == Direction.INBOUND)
    if not (from_them or linked or redacted != people):
        return False
    for name, entries in redacted.items():
        setattr(message, name, entries)
    if from_them:
        message.from_name, message.from_address = "", ERASED_ADDRESS
    message.subject = message.text = message.html = message.snippet = ERASED_TEXT
    message.reply_text = ERASED_TEXT
    message.has_attachments = False
    message.is_erased = True
    return True


def _delete_blobs_unless_used(raw: set[str], attachments: set[str]) -> None:
    """After commit: remove blobs that no message row points at any more."""
    storage = storages["default"]
    used_raw = set(
        Message.objects.filter(raw_sha256__in=raw, is_erased=False).values_list(
            "raw_sha256", flat=True
        )
    )
    used_att = set(
        Attachment.objects.filter(sha256__in=attachments).values_list("sha256", flat=True)
    )
    for digest in raw - used_raw:
        storage.delete(blobs.raw_path(digest))
    for digest in attachments - used_att:
        storage.delete(blobs.attachment_path(digest))


def redact_messages(
    *, team_id: int, addresses: Collection[str], conversation_ids: Collection[int] = ()
) -> int:
    """Redact a person's personal data from the team's stored e-mail (GDPR erasure, AU2).

    Touches the team's messages sent by or addressed to any of `addresses` (From, Sender,
    Reply-To, To, Cc, Bcc; compared lower-cased) and every message of `conversation_ids`
    (the conversations linked to the erased contact). Each such message keeps its row,
    identity, threading headers, date and raw size; its subject, bodies and snippet become
    "[erased]", the person's entries in its participant lists (and its From when it is
    theirs) become `erased@invalid`, its attachments are deleted and it is marked
    `is_erased`. Blobs (raw source, attachment contents) no other message uses are deleted
    after the commit. Returns the number of messages redacted.

    Runs in `transaction.atomic()`, so it joins the caller's transaction (erase_contact).
    It sends `records_rewritten` for them, so the search index is rewritten in it too.
    """
    wanted = {address.strip().lower() for address in addresses if address.strip()}
    linked_ids = set(conversation_ids)
    if not wanted and not linked_ids:
        return 0
    raw: set[str] = set()
    attachments: set[str] = set()
    count = 0
    with transaction.atomic():
        # Keys first: the rows are rewritten while we go, which an open cursor must not see.
        pks = list(_involving(team_id, wanted, linked_ids).values_list("pk", flat=True))
        for start in range(0, len(pks), CHUNK):
            changed = [
                message
                for message in Message.objects.filter(pk__in=pks[start : start + CHUNK])
                if _redact(message, wanted, linked=message.conversation_id in linked_ids)
            ]
            raw.update(message.raw_sha256 for message in changed)
            count += _save_redacted(changed, attachments)
        records_rewritten.send(Message, querysets=[Message.objects.filter(pk__in=pks)])
        transaction.on_commit(lambda: _delete_blobs_unless_used(raw, attachments))
    return count


def _save_redacted(messages: list[Message], attachments: set[str]) -> int:
    pks = [message.pk for message in messages]
    rows = Attachment.objects.filter(message_id__in=pks)
    attachments.update(rows.values_list("sha256", flat=True))
    rows.delete()
    Message.objects.bulk_update(messages, REDACTED_FIELDS)
    return len(messages)
