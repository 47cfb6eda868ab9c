"""Conversations (tickets): the unit a team works on. Messages live in parley.mail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, override

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Source(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")
    WEB = "web", _("Web")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class Queue(models.Model):
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="queues")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="queue_team_name")]

    @override
    def __str__(self) -> str:
        return self.name


class ConversationNumber(models.Model):
    """A single-row counter handing out ticket numbers (#1234) without gaps or races."""

    last = models.PositiveBigIntegerField(default=0)

    @override
    def __str__(self) -> str:
        return str(self.last)


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def alive(self) -> ConversationQuerySet:
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user: AnyUser) -> ConversationQuerySet:
        return self.alive().filter(team_id__in=team_ids_for_user(user))


class Conversation(models.Model):
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="conversations"
    )
    number = models.PositiveBigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.EMAIL
    )
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_conversations"
    )
    message_count = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ConversationQuerySet] = ConversationQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("-last_message_at", "-pk")
        indexes = [
            models.Index(fields=["team", "status", "-last_message_at"], name="conv_team_status"),
            models.Index(fields=["mailbox", "-last_message_at"], name="conv_mailbox_last"),
        ]

    @override
    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    MESSAGE = "message", _("message received")
    STATUS = "status", _("status changed")
    REOPENED = "reopened", _("reopened by a reply")
    ASSIGNED = "assigned", _("assignees changed")
    QUEUE = "queue", _("queue changed")
    MERGED = "merged", _("merged")
    SPLIT = "split", _("split")
    FORWARDED = "forwarded", _("forwarded")


class ConversationEvent(models.Model):
    """A system comment: who changed what and when. `actor` is null for the system."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")

    @override
    def __str__(self) -> str:
        return f"{self.kind} on {self.conversation_id}"
