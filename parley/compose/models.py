"""Outgoing mail: drafts and the outbox, attachments, canned responses, signatures and open
tracking (issue 5).

An OutgoingMessage is one e-mail an agent writes. It is a draft while it can be edited; on
"Send" its MIME is built once (with the Message-ID it got when the draft was created) and
stored raw, and the outbox state machine takes over (docs/architecture.md, "Outbox"):

    draft → waiting (undo window or scheduled time) → sending → sent | failed | check

The worker claims a due message with a compare-and-swap update to ``sending`` that records
the attempt before the SMTP DATA command; a message found ``sending`` after the attempt
timeout is put in ``check`` for a human and never sent again on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, override

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    WAITING = "waiting", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CHECK = "check", _("Needs checking")


EDITABLE_STATES = frozenset({State.DRAFT})


class Kind(models.TextChoices):
    NEW = "new", _("New conversation")
    REPLY = "reply", _("Reply")
    REPLY_ALL = "reply_all", _("Reply all")
    FORWARD = "forward", _("Forward")


class OutgoingQuerySet(models.QuerySet["OutgoingMessage"]):
    def visible_to(self, user: AnyUser) -> OutgoingQuerySet:
        return self.filter(team_id__in=team_ids_for_user(user))

    def scheduled(self) -> OutgoingQuerySet:
        return self.filter(state=State.WAITING, is_scheduled=True)

    def due(self, now: datetime) -> OutgoingQuerySet:
        return self.filter(state=State.WAITING, send_at__lte=now)


class OutgoingMessage(models.Model):
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mailbox = models.ForeignKey(
        "mail.Mailbox", null=True, on_delete=models.SET_NULL, related_name="outgoing"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NEW)
    # The conversation it belongs to; for a new conversation, set when it is first queued.
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing",
    )
    # The message answered or forwarded.
    parent = models.ForeignKey(
        "mail.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(
        "conversations.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.JSONField(default=list, blank=True)  # list of addresses (str)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=900, blank=True)
    body_html = models.TextField(blank=True)
    # Created once, with the draft, on the mailbox's domain; never changed afterwards.
    message_id = models.CharField(max_length=255, unique=True)
    track_opens = models.BooleanField(_("track opens"), default=False)
    tracking_token = models.CharField(max_length=64, unique=True)
    # Sent by the system (auto-reply rules): carries "Auto-Submitted: auto-replied".
    is_automatic = models.BooleanField(default=False)

    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True)
    is_scheduled = models.BooleanField(default=False)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    raw_size = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    smtp_response = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After SMTP accepted: the copy filed in Parley and the APPEND to the Sent folder.
    sent_message = models.ForeignKey(
        "mail.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="outgoing"
    )
    appended_at = models.DateTimeField(null=True, blank=True)
    append_attempts = models.PositiveIntegerField(default=0)
    append_error = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[OutgoingQuerySet] = OutgoingQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() is typed loosely by django-stubs

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["state", "send_at"], name="outgoing_state_send_at"),
            models.Index(fields=["conversation", "state"], name="outgoing_conversation"),
            models.Index(fields=["team", "state"], name="outgoing_team_state"),
        ]

    @override
    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.subject}"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class OutgoingAttachment(models.Model):
    outgoing = models.ForeignKey(
        OutgoingMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ("pk",)

    @override
    def __str__(self) -> str:
        return self.filename


class OpenEvent(models.Model):
    """The tracking pixel of a message was loaded. No IP address is stored."""

    outgoing = models.ForeignKey(OutgoingMessage, on_delete=models.CASCADE, related_name="opens")
    opened_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("opened_at", "pk")

    @override
    def __str__(self) -> str:
        return f"open of {self.outgoing_id} at {self.opened_at:%Y-%m-%d %H:%M}"


class ResponseTemplateQuerySet(models.QuerySet["ResponseTemplate"]):
    def usable_by(self, user: AnyUser) -> ResponseTemplateQuerySet:
        """The team's shared templates and the user's personal ones."""
        return self.filter(team_id__in=team_ids_for_user(user)).filter(
            models.Q(owner__isnull=True) | models.Q(owner_id=user.pk)
        )


class ResponseTemplate(models.Model):
    """A canned response with variables such as ``{{ contact.first_name }}``."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="response_templates"
    )
    # Personal when set, else shared with the whole team.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="response_templates",
    )
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=900, blank=True)
    body_html = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ResponseTemplateQuerySet] = ResponseTemplateQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() is typed loosely by django-stubs

    class Meta:
        ordering = ("name", "pk")

    @override
    def __str__(self) -> str:
        return self.name


class Signature(models.Model):
    """A user's signature for one mailbox (or for every mailbox when `mailbox` is empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signatures"
    )
    mailbox = models.ForeignKey("mail.Mailbox", null=True, blank=True, on_delete=models.CASCADE)
    body_html = models.TextField(_("signature"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "mailbox"], name="signature_user_mailbox"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(mailbox__isnull=True),
                name="signature_user_default",
            ),
        ]

    @override
    def __str__(self) -> str:
        return f"signature of {self.user_id} for {self.mailbox_id}"


class MailboxSendingSettings(models.Model):
    """Sending defaults of a mailbox kept beside it (parley.mail owns the Mailbox model)."""

    mailbox = models.OneToOneField(
        "mail.Mailbox", on_delete=models.CASCADE, related_name="sending_settings"
    )
    track_opens = models.BooleanField(_("track opens by default"), default=False)
    signature_html = models.TextField(_("mailbox signature"), blank=True)

    @override
    def __str__(self) -> str:
        return f"sending settings of {self.mailbox_id}"
