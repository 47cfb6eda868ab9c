"""Writes to conversations: create, add a message, reopen on a customer reply.

The mail ingest pipeline (``parley.mail.ingest``) calls these inside its own savepoint, which
may itself run inside a sync batch's transaction, so they open savepoints
(``transaction.atomic()``) rather than durable transactions. They have no side effects beyond
the database. Inside a caller's transaction they add no savepoint of their own
(``savepoint=False``): the caller's savepoint already makes the whole step atomic, and
savepoints are a measurable share of the cost of ingesting a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from parley.conversations.models import (
    CLOSED_STATUSES,
    Conversation,
    ConversationEvent,
    ConversationNumber,
    EventKind,
    Priority,
    PrioritySla,
    Queue,
    Source,
    Status,
)

if TYPE_CHECKING:
    from parley.accounts.models import Team
    from parley.mail.models import Mailbox

COUNTER_PK = 1


def next_conversation_number() -> int:
    """Hand out the next ticket number; the row lock of the update serialises writers."""
    with transaction.atomic(savepoint=False):
        if not ConversationNumber.objects.filter(pk=COUNTER_PK).update(last=F("last") + 1):
            ConversationNumber.objects.get_or_create(pk=COUNTER_PK)
            ConversationNumber.objects.filter(pk=COUNTER_PK).update(last=F("last") + 1)
        return ConversationNumber.objects.values_list("last", flat=True).get(pk=COUNTER_PK)


def sla_due_times(
    *, team_id: int, priority: str, start: datetime
) -> tuple[datetime | None, datetime | None]:
    """First-response and resolution due times of a conversation opened at `start`."""
    sla = PrioritySla.objects.filter(team_id=team_id, priority=priority).first()
    if sla is None:
        return None, None
    first = sla.first_response_minutes
    resolution = sla.resolution_minutes
    return (
        start + timedelta(minutes=first) if first is not None else None,
        start + timedelta(minutes=resolution) if resolution is not None else None,
    )


def create_conversation(  # noqa: PLR0913  # keyword-only; the optional fields of a ticket
    *,
    team: Team,
    subject: str,
    mailbox: Mailbox | None = None,
    queue: Queue | None = None,
    priority: str = Priority.NORMAL,
    source: str = Source.EMAIL,
) -> Conversation:
    """Open a new conversation (status New) and record its CREATED event.

    SLA due times are computed from the team's targets for the priority; the queue's
    default assignee, if any, is assigned.
    """
    now = timezone.now()
    first_due, resolution_due = sla_due_times(team_id=team.pk, priority=priority, start=now)
    with transaction.atomic(savepoint=False):
        conversation = Conversation.objects.create(
            team=team,
            number=next_conversation_number(),
            subject=subject[:998],
            mailbox=mailbox,
            queue=queue,
            status=Status.NEW,
            priority=priority,
            source=source,
            first_response_due=first_due,
            resolution_due=resolution_due,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        ConversationEvent.objects.create(conversation=conversation, kind=EventKind.CREATED)
        if queue is not None and queue.default_assignee_id is not None:
            conversation.assignees.add(queue.default_assignee_id)
    return conversation


def record_message_added(*, conversation: Conversation, at: datetime) -> None:
    """Count a newly stored message and move ``last_message_at`` forward (never back)."""
    later = Q(last_message_at__isnull=True) | Q(last_message_at__lt=at)
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=F("message_count") + 1,
        last_message_at=Case(When(later, then=Value(at)), default=F("last_message_at")),
        # A new message makes the conversation unread again, whatever its Date header says.
        last_activity_at=now,
        updated_at=now,
    )
    # Mirror the update on the instance without another query.
    conversation.message_count += 1
    conversation.last_activity_at = now
    if conversation.last_message_at is None or conversation.last_message_at < at:
        conversation.last_message_at = at


def reopen_on_reply(*, conversation: Conversation) -> bool:
    """A customer replied to a closed conversation: reopen it. True when it was reopened.

    Compare-and-swap on the status, so two workers ingesting two replies record one event.
    """
    with transaction.atomic(savepoint=False):
        changed = Conversation.objects.filter(
            pk=conversation.pk, status__in=CLOSED_STATUSES
        ).update(status=Status.OPEN, updated_at=timezone.now())
        if not changed:
            return False
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=EventKind.REOPENED,
            data={"from": conversation.status, "to": Status.OPEN},
        )
    conversation.status = Status.OPEN
    return True
