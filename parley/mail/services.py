"""Writes to mailboxes and their folders: create, update, pause, resume, remove, and the
connection test.

Each public function is its own transaction and the only way views, the API, commands and
tests change a Mailbox. Secrets are encrypted here (parley.mail.secrets) and never leave this
module in clear except to log in. Sync progress and status are written by parley.mail.sync.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parley.accounts.models import Team
from parley.accounts.services import create_team
from parley.mail.exceptions import FolderMissingError, MailboxInvalidError, MailboxNotFoundError
from parley.mail.models import AuthMethod, FolderRole, Mailbox, MailFolder, Security
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
