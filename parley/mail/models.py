"""Mailboxes, their folders and sync state, and the immutable messages they deliver.

See docs/architecture.md ("Mail pipeline"). A Message is written once by the ingest service
and never edited; where it was seen on a server is a MessageLocation, so one message found in
INBOX and Sent (or in two mailboxes) is one Message with several locations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, override

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user
from parley.conversations.quoting import stored_reply_parts

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


class Security(models.TextChoices):
    SSL = "ssl", _("Implicit TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (loopback only)")


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    XOAUTH2 = "xoauth2", _("OAuth2 (XOAUTH2)")


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def visible_to(self, user: AnyUser) -> MailboxQuerySet:
        return self.filter(team_id__in=team_ids_for_user(user))


class Mailbox(models.Model):
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="mailboxes")
    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("address"))
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    imap_host = models.CharField(_("IMAP host"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("login"), max_length=255)
    auth_method = models.CharField(
        max_length=8, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    # Fernet token of the password or OAuth2 token; see parley.mail.secrets.
    secret_encrypted = models.TextField(blank=True)
    default_queue = models.ForeignKey(
        "conversations.Queue", null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(_("active"), default=True)
    bulk_to_ignored = models.BooleanField(_("route bulk mail to Ignored"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Sync status, shown in Settings → Mailboxes.
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Lease: at most one worker syncs a mailbox at a time, across processes and machines.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[MailboxQuerySet] = MailboxQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() is typed loosely by django-stubs

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "mailboxes"

    @override
    def __str__(self) -> str:
        return self.name


class FolderRole(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    SENT = "sent", _("Sent")
    OTHER = "other", _("Other")


class MailFolder(models.Model):
    """An IMAP folder being synced, with its progress (UIDVALIDITY + last UID)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=500)
    role = models.CharField(max_length=8, choices=FolderRole.choices, default=FolderRole.OTHER)
    enabled = models.BooleanField(default=True)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(default=0)
    highestmodseq = models.PositiveBigIntegerField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("mailbox", "name")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="mailfolder_mailbox_name")
        ]

    @override
    def __str__(self) -> str:
        return f"{self.mailbox}:{self.name}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class MessageSource(models.TextChoices):
    INBOX = "inbox", _("Mailbox inbox")
    SENT = "sent", _("Mailbox sent")
    ASSISTANT = "assistant", _("Assistant")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    MANUAL = "manual", _("Manual")


class MessageQuerySet(models.QuerySet["Message"]):
    def alive(self) -> MessageQuerySet:
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user: AnyUser) -> MessageQuerySet:
        return self.alive().filter(
            conversation__team_id__in=team_ids_for_user(user),
            conversation__deleted_at__isnull=True,
        )


class Message(models.Model):
    """One e-mail, immutable once stored. The raw bytes are kept in blob storage."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # Identity: Message-ID without angle brackets (null when absent) + a content hash.
    # Null, not "", so that the identity constraint below treats absent ids apart.
    message_id = models.CharField(max_length=998, null=True, blank=True)  # noqa: DJ001
    content_hash = models.CharField(max_length=64)
    raw_sha256 = models.CharField(max_length=64)
    raw_size = models.PositiveBigIntegerField(default=0)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    subject = models.TextField(blank=True)
    from_name = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    # Lists of {"name": str, "address": str}.
    sender = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    date = models.DateTimeField(null=True, blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    source = models.CharField(max_length=10, choices=MessageSource.choices)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # The new text of the message without quoted history and signature
    # (parley.conversations.quoting), computed once at ingest. Null means "not computed yet"
    # (stored before the column existed; `parley reparse --reply-text-only` fills it), and
    # differs from "" (computed: no new text).
    reply_text = models.TextField(null=True, blank=True)  # noqa: DJ001
    snippet = models.CharField(max_length=300, blank=True)
    has_attachments = models.BooleanField(default=False)
    is_auto_reply = models.BooleanField(default=False)
    is_bounce = models.BooleanField(default=False)
    is_bulk = models.BooleanField(default=False)
    parse_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Deleted in Parley: hidden everywhere, remembered so that sync never re-imports it.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Redacted for a GDPR erasure (parley.mail.services.redact_messages): the personal
    # fields hold placeholders and the raw blob is gone, so it cannot be downloaded,
    # exported or parsed again. The row stays for counts, threading and the audit trail.
    is_erased = models.BooleanField(default=False, db_default=False)

    objects: ClassVar[MessageQuerySet] = MessageQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() is typed loosely by django-stubs

    class Meta:
        ordering = ("date", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id", "content_hash"], name="message_identity_unique"
            ),
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=models.Q(message_id__isnull=True),
                name="message_no_id_content_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["message_id"], name="message_message_id"),
            models.Index(fields=["content_hash"], name="message_content_hash"),
            # The threading "reply" rule looks up replies that arrived before their parent.
            models.Index(fields=["in_reply_to"], name="message_in_reply_to"),
            models.Index(fields=["conversation", "date"], name="message_conversation_date"),
        ]

    @override
    def __str__(self) -> str:
        return self.subject or self.message_id or str(self.pk)

    @property
    def visible_text(self) -> str:
        """The new text as the conversation page shows it (the stored reply text, or split now
        for a row stored before it)."""
        return stored_reply_parts(self.text, self.reply_text).visible

    @property
    def flags(self) -> list[str]:
        names = [
            ("auto_reply", self.is_auto_reply),
            ("bounce", self.is_bounce),
            ("bulk", self.is_bulk),
            ("parse_error", bool(self.parse_error)),
        ]
        return [name for name, on in names if on]


class MessageLocation(models.Model):
    """Where a message was seen: (folder, UIDVALIDITY, UID). The key of exactly-once sync."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="locations")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="locations")
    folder = models.ForeignKey(MailFolder, on_delete=models.CASCADE, related_name="locations")
    uidvalidity = models.PositiveBigIntegerField()
    uid = models.PositiveBigIntegerField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "uidvalidity", "uid"], name="messagelocation_unique"
            )
        ]

    @override
    def __str__(self) -> str:
        return f"{self.folder} {self.uidvalidity}/{self.uid}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=500, blank=True)
    is_inline = models.BooleanField(default=False)

    class Meta:
        ordering = ("pk",)

    @override
    def __str__(self) -> str:
        return self.filename or self.content_type
