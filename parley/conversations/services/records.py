"""Actions that move or add records: merge, split, notes, conversations recorded on behalf
of a customer, contact links, read state and presence.

Each public function is a durable transaction (a request or a task is the boundary) and
raises `RefusedError` for what the actor may not do. Messages belong to parley.mail and stay
immutable: merge and split only re-point their conversation, never copy or edit them
(a copy would break the Message-ID + content identity that keeps sync exactly-once).
See docs/decisions/0004-inbox-workflow.md.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import Membership
from parley.conversations.exceptions import RefusedError
from parley.conversations.models import (
    Conversation,
    ConversationRead,
    EventKind,
    Note,
    NoteKind,
    NotificationKind,
    Presence,
    Priority,
    Source,
    Status,
)
from parley.conversations.services.core import create_conversation
from parley.conversations.services.notifications import notify
from parley.conversations.services.workflow import record_event
from parley.mail.models import Message

if TYPE_CHECKING:
    from parley.accounts.models import Team, User
    from parley.contacts.models import Contact, Organization
    from parley.conversations.models import Queue

# "@bob" or "@bob@example.com" at the start of a word (not the domain of an address).
MENTION_RE = re.compile(r"(?<![\w.@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")
PRESENCE_TTL = timedelta(seconds=30)


def _require_write(actor: User, team_id: int) -> None:
    if team_id not in team_ids_for_user(actor, write=True):
        raise RefusedError(_("You may only read conversations of this team."))


def _recount(conversation: Conversation) -> None:
    stats = Message.objects.filter(conversation=conversation, deleted_at__isnull=True).aggregate(
        count=Count("pk"), last=Max("date")
    )
    conversation.message_count = stats["count"]
    conversation.last_message_at = stats["last"]
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["message_count", "last_message_at", "updated_at"])


def merge_conversations(*, actor: User, source: Conversation, target: Conversation) -> Conversation:
    """Move the messages, notes, tags, followers and assignees of `source` into `target`.

    `source` is closed and remembers `merged_into`, so its page redirects to `target`. Both
    get a MERGED system comment.
    """
    if source.pk == target.pk:
        raise RefusedError(_("A conversation cannot be merged into itself."))
    if source.team_id != target.team_id:
        raise RefusedError(_("Only conversations of the same team can be merged."))
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise RefusedError(_("This conversation was already merged."))
    _require_write(actor, target.team_id)
    with transaction.atomic(durable=True):
        Message.objects.filter(conversation=source).update(conversation=target)
        Note.objects.filter(conversation=source).update(conversation=target)
        target.tags.add(*source.tags.all())
        target.followers.add(*source.followers.all())
        target.assignees.add(*source.assignees.all())
        if target.contact_id is None and source.contact_id is not None:
            target.contact_id, target.organization_id = source.contact_id, source.organization_id
        target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
        target.save(update_fields=["contact", "organization", "last_activity_at"])
        _recount(target)
        _recount(source)
        source.merged_into = target
        source.status = Status.CLOSED
        source.snoozed_until = None
        source.save(update_fields=["merged_into", "status", "snoozed_until"])
        record_event(source, EventKind.MERGED, actor, into=target.number)
        record_event(target, EventKind.MERGED, actor, merged=source.number)
    return target


def split_message(*, actor: User, message: Message) -> Conversation:
    """Move one message into a new conversation (status New) that inherits the subject,
    queue, assignees, priority, category and contact of the old one."""
    source = message.conversation
    _require_write(actor, source.team_id)
    if Message.objects.filter(conversation=source, deleted_at__isnull=True).count() < 2:
        raise RefusedError(_("The only message of a conversation cannot be split off."))
    with transaction.atomic(durable=True):
        new = create_conversation(
            team=source.team,
            subject=source.subject,
            mailbox=source.mailbox,
            priority=source.priority,
            source=source.source,
        )
        new.queue_id, new.category_id = source.queue_id, source.category_id
        new.contact_id, new.organization_id = source.contact_id, source.organization_id
        new.save(update_fields=["queue", "category", "contact", "organization"])
        new.assignees.set(source.assignees.all())
        Message.objects.filter(pk=message.pk).update(conversation=new)
        _recount(new)
        _recount(source)
        record_event(source, EventKind.SPLIT, actor, message=message.pk, into=new.number)
        record_event(new, EventKind.SPLIT, actor, message=message.pk, source=source.number)
    return new


def _mentioned_users(team_id: int, body: str) -> set[int]:
    names = {m.lower().rstrip(".") for m in MENTION_RE.findall(body)}
    if not names:
        return set()
    members = Membership.objects.filter(team_id=team_id, user__is_active=True)
    return {
        uid
        for uid, email in members.values_list("user_id", "user__email")
        if email.lower() in names or email.lower().split("@")[0] in names
    }


def add_note(
    *, actor: User, conversation: Conversation, body: str, kind: NoteKind = NoteKind.INTERNAL
) -> Note:
    """An internal note (never sent). "@name" mentions of team members notify them."""
    body = body.strip()
    if not body:
        raise RefusedError(_("A note cannot be empty."))
    _require_write(actor, conversation.team_id)
    now = timezone.now()
    with transaction.atomic(durable=True):
        note = Note.objects.create(
            conversation=conversation, kind=kind, author=actor, body=body, created_at=now
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=now, updated_at=now)
        notify(
            user_ids=_mentioned_users(conversation.team_id, body),
            kind=NotificationKind.MENTION,
            conversation=conversation,
            actor=actor,
        )
    conversation.last_activity_at = now
    return note


def create_on_behalf(  # noqa: PLR0913  # keyword-only; the fields of a recorded ticket
    *,
    actor: User,
    team: Team,
    subject: str,
    source: Source,
    body: str,
    contact: Contact | None = None,
    queue: Queue | None = None,
    priority: Priority = Priority.NORMAL,
) -> Conversation:
    """Record a conversation the customer started by phone, letter, in person… (CV12).

    Nothing is sent. The customer's words are stored as a RECORDED note (not a Message:
    messages are e-mails with their raw source, owned by parley.mail).
    """
    _require_write(actor, team.pk)
    if source == Source.EMAIL:
        raise RefusedError(_("E-mail conversations come from a mailbox."))
    if not body.strip():
        raise RefusedError(_("Write down what the customer said."))
    if contact is not None and contact.team_id != team.pk:
        raise RefusedError(_("The contact belongs to another team."))
    if queue is not None and queue.team_id != team.pk:
        raise RefusedError(_("The queue belongs to another team."))
    with transaction.atomic(durable=True):
        conversation = create_conversation(
            team=team, subject=subject, queue=queue, priority=priority, source=source
        )
        if contact is not None:
            conversation.contact = contact
            conversation.organization_id = contact.organization_id
            conversation.save(update_fields=["contact", "organization"])
        Note.objects.create(
            conversation=conversation, kind=NoteKind.RECORDED, author=actor, body=body.strip()
        )
    return conversation


def link_contact(*, actor: User, conversation: Conversation, contact: Contact | None) -> None:
    """Link the conversation to a contact (and the contact's organization), or unlink it."""
    _require_write(actor, conversation.team_id)
    if contact is not None and contact.team_id != conversation.team_id:
        raise RefusedError(_("The contact belongs to another team."))
    with transaction.atomic(durable=True):
        conversation.contact = contact
        conversation.organization_id = contact.organization_id if contact else None
        conversation.save(update_fields=["contact", "organization"])
        record_event(conversation, EventKind.LINKED, actor, contact=contact.pk if contact else None)


def attach_customer(
    *,
    conversation: Conversation,
    contact: Contact | None,
    actor: User | None,
    organization: Organization | None = None,
) -> Conversation:
    """Set (or, with neither given, clear) the conversation's contact and organization.

    For triage and the "Add customer" panel: no access check (callers fetched the
    conversation for writing, or act as the system with `actor=None`) and a non-durable
    transaction, so it joins the caller's. Records a LINKED system comment when something
    changed.
    """
    for record in (contact, organization):
        if record is not None and record.team_id != conversation.team_id:
            raise RefusedError(_("The contact belongs to another team."))
    org_id = organization.pk if organization else (contact.organization_id if contact else None)
    new = (contact.pk if contact else None, org_id)
    if (conversation.contact_id, conversation.organization_id) == new:
        return conversation
    with transaction.atomic():
        conversation.contact_id, conversation.organization_id = new
        conversation.updated_at = timezone.now()
        conversation.save(update_fields=["contact", "organization", "updated_at"])
        record_event(conversation, EventKind.LINKED, actor, contact=new[0], organization=new[1])
    return conversation


def detach_customer(*, conversation: Conversation, actor: User | None) -> Conversation:
    """Clear the contact and organization (a LINKED system comment records it)."""
    return attach_customer(conversation=conversation, contact=None, actor=actor)


def mark_read(*, user: User, conversation: Conversation) -> None:
    """Remember that `user` has seen everything up to now (one upsert)."""
    ConversationRead.objects.bulk_create(
        [ConversationRead(user=user, conversation=conversation, last_read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "conversation"],
        update_fields=["last_read_at"],
    )


def touch_presence(*, user: User, conversation: Conversation, replying: bool = False) -> None:
    """Say that `user` has the conversation open (or is writing a reply) now (one upsert)."""
    Presence.objects.bulk_create(
        [
            Presence(
                user=user,
                conversation=conversation,
                is_replying=replying,
                seen_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["conversation", "user"],
        update_fields=["is_replying", "seen_at"],
    )


def others_present(*, user: User, conversation: Conversation) -> list[Presence]:
    since = timezone.now() - PRESENCE_TTL
    return list(
        Presence.objects.filter(conversation=conversation, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at")
    )
