"""Conversations (tickets): the unit a team works on. Messages live in parley.mail."""

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
    # New conversations in this queue (and conversations moved into it) go to this agent.
    default_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default assignee"),
    )

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="queue_team_name")]

    @override
    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A team's configurable ticket category (e.g. Billing, Complaint)."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="conversation_categories"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="category_team_name")]

    @override
    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A team's conversation tag; contacts have their own tags (parley.contacts)."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="conversation_tags"
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="tag_team_name")]

    @override
    def __str__(self) -> str:
        return self.name


class PrioritySla(models.Model):
    """Service-level targets of one priority in one team, in minutes (blank: no target)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="slas")
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), null=True, blank=True
    )

    class Meta:
        ordering = ("team", "priority")
        constraints = [
            models.UniqueConstraint(fields=["team", "priority"], name="sla_team_priority")
        ]

    @override
    def __str__(self) -> str:
        return f"{self.team_id}:{self.priority}"


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

    def listed(self) -> ConversationQuerySet:
        """Conversations that show in the inbox: alive and not merged into another."""
        return self.alive().filter(merged_into__isnull=True)

    def snoozed(self) -> ConversationQuerySet:
        return self.filter(snoozed_until__isnull=False)

    def awake(self) -> ConversationQuerySet:
        return self.filter(snoozed_until__isnull=True)

    def open(self) -> ConversationQuerySet:
        """Not closed and not snoozed: what agents still have to work on."""
        return self.awake().exclude(status__in=CLOSED_STATUSES)


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
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_conversations"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    organization = models.ForeignKey(
        "contacts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    message_count = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Never null, unlike last_message_at: the key of the inbox order and of its keyset
    # pagination. Moves forward on a message or a note, not on system changes.
    last_activity_at = models.DateTimeField(default=timezone.now)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snooze_note = models.CharField(_("snooze note"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ConversationQuerySet] = ConversationQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("-last_message_at", "-pk")
        indexes = [
            models.Index(fields=["team", "status", "-last_message_at"], name="conv_team_status"),
            models.Index(fields=["mailbox", "-last_message_at"], name="conv_mailbox_last"),
            # The inbox list: newest activity first, keyset on (last_activity_at, id).
            models.Index(fields=["team", "-last_activity_at", "-id"], name="conv_team_activity"),
            models.Index(
                fields=["team", "status", "-last_activity_at", "-id"],
                name="conv_team_status_activity",
            ),
            models.Index(fields=["queue", "-last_activity_at", "-id"], name="conv_queue_activity"),
            models.Index(
                fields=["mailbox", "-last_activity_at", "-id"], name="conv_mailbox_activity"
            ),
            # Filters that can be sparse (one customer, one category): the index seeks to
            # the matching rows already in inbox order instead of walking the team's list.
            models.Index(
                fields=["contact", "-last_activity_at", "-id"], name="conv_contact_activity"
            ),
            models.Index(
                fields=["organization", "-last_activity_at", "-id"], name="conv_org_activity"
            ),
            models.Index(
                fields=["category", "-last_activity_at", "-id"], name="conv_category_activity"
            ),
            # The sidebar's capped counts (folders, queues, mailboxes): every column they
            # test is in the index, so a count reads index entries only, never the rows.
            models.Index(
                fields=["team", "deleted_at", "merged_into", "snoozed_until", "status"],
                name="conv_team_state",
            ),
            models.Index(
                fields=["queue", "deleted_at", "merged_into", "snoozed_until", "status", "team"],
                name="conv_queue_state",
            ),
            models.Index(
                fields=["mailbox", "deleted_at", "merged_into", "snoozed_until", "status", "team"],
                name="conv_mailbox_state",
            ),
            models.Index(
                fields=["snoozed_until"],
                name="conv_snoozed",
                condition=models.Q(snoozed_until__isnull=False),
            ),
        ]

    @override
    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_snoozed(self) -> bool:
        return self.snoozed_until is not None

    @property
    def is_overdue(self) -> bool:
        return self.sla_overdue(timezone.now())

    def sla_overdue(self, now: datetime) -> bool:
        if self.is_closed:
            return False
        due = [d for d in (self.first_response_due, self.resolution_due) if d is not None]
        return any(d < now for d in due)


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
    PRIORITY = "priority", _("priority changed")
    CATEGORY = "category", _("category changed")
    TAGS = "tags", _("tags changed")
    SNOOZED = "snoozed", _("snoozed")
    WOKE = "woke", _("woke from snooze")
    FOLLOWED = "followed", _("followed")
    UNFOLLOWED = "unfollowed", _("unfollowed")
    LINKED = "linked", _("contact linked")
    CALL_LINKED = "call_linked", _("call linked")
    CALL_UNLINKED = "call_unlinked", _("call unlinked")
    DELETED = "deleted", _("deleted")


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


class NoteKind(models.TextChoices):
    INTERNAL = "internal", _("Internal note")
    # What a customer said by phone, letter or in person, written down by an agent (CV12).
    RECORDED = "recorded", _("Recorded customer message")


class Note(models.Model):
    """An internal note: visible to the team, never sent to the customer."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.INTERNAL)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")
        indexes = [models.Index(fields=["conversation", "created_at"], name="note_conversation")]

    @override
    def __str__(self) -> str:
        return f"note {self.pk} on {self.conversation_id}"


class ConversationRead(models.Model):
    """When a user last read a conversation: it is unread while last_activity_at is later."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_reads"
    )
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="read_user_conversation")
        ]

    @override
    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id}"


class Presence(models.Model):
    """Who has a conversation open (or is writing a reply) now; refreshed by polling (CV11)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="presences"
    )
    is_replying = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="presence_conversation_user"
            )
        ]

    @override
    def __str__(self) -> str:
        return f"{self.user_id} on {self.conversation_id}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    SNOOZE_WOKE = "snooze_woke", _("Snooze ended")
    REPLY = "reply", _("New reply")
    MENTION = "mention", _("Mentioned in a note")
    MEETING = "meeting", _("Meeting due")


class Notification(models.Model):
    """An in-app notification for one user (the header shows the unread count)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The phone meeting a MEETING notification is about (issue 7); deleting it removes them.
    meeting = models.ForeignKey(
        "calls.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    @override
    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
