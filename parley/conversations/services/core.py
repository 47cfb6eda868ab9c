"""Writes to conversations: create, add a message, reopen on a customer reply.

The mail ingest pipeline (``parley.mail.ingest``) calls these inside its own savepoint, which
may itself run inside a sync batch's transaction, so they open savepoints
(``transaction.atomic()``) rather than durable transactions. They have no side effects beyond
the database. Inside a caller's transaction they add no savepoint of their own
(``savepoint=False``): the caller's savepoint already makes the whole step atomic, and
savepoints are a measurable share of the cost of ingesting a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    return allocate_conversation_numbers(1)[0]


def allocate_conversation_numbers(count: int) -> list[int]:
    """Hand out ``count`` consecutive ticket numbers with one counter update."""
    with transaction.atomic(savepoint=False):
        bump = {"last": F("last") + count}
        if not ConversationNumber.objects.filter(pk=COUNTER_PK).update(**bump):
            ConversationNumber.objects.get_or_create(pk=COUNTER_PK)
            ConversationNumber.objects.filter(pk=COUNTER_PK).update(**bump)
        last = ConversationNumber.objects.values_list("last", flat=True).get(pk=COUNTER_PK)
    return list(range(last - count + 1, last + 1))


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


@dataclass(frozen=True, slots=True)
class NewConversation:
    """What ``create_conversations`` needs to open one conversation.

    ``message_count`` and ``last_message_at`` let the mail pipeline open a conversation with
    its first messages already counted, instead of counting them one update at a time.
    """

    team: Team
    subject: str
    mailbox: Mailbox | None = None
    queue: Queue | None = None
    priority: str = Priority.NORMAL
    source: str = Source.EMAIL
    message_count: int = 0
    last_message_at: datetime | None = None


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
    new = NewConversation(
        team=team, subject=subject, mailbox=mailbox, queue=queue, priority=priority, source=source
    )
    return create_conversations(new=[new])[0]


def create_conversations(*, new: Sequence[NewConversation]) -> list[Conversation]:
    """Open several conversations at once, as ``create_conversation`` opens one.

    A fixed number of queries whatever the count (numbers, SLA targets, conversations,
    events, assignees), for the mail pipeline's batches.
    """
    if not new:
        return []
    now = timezone.now()
    due: dict[tuple[int, str], tuple[datetime | None, datetime | None]] = {}
    for spec in new:
        key = (spec.team.pk, spec.priority)
        if key not in due:
            due[key] = sla_due_times(team_id=spec.team.pk, priority=spec.priority, start=now)
    with transaction.atomic(savepoint=False):
        numbers = allocate_conversation_numbers(len(new))
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    team=spec.team,
                    number=number,
                    subject=spec.subject[:998],
                    mailbox=spec.mailbox,
                    queue=spec.queue,
                    status=Status.NEW,
                    priority=spec.priority,
                    source=spec.source,
                    first_response_due=due[spec.team.pk, spec.priority][0],
                    resolution_due=due[spec.team.pk, spec.priority][1],
                    message_count=spec.message_count,
                    last_message_at=spec.last_message_at,
                    created_at=now,
                    updated_at=now,
                    last_activity_at=now,
                )
                for spec, number in zip(new, numbers, strict=True)
            ]
        )
        ConversationEvent.objects.bulk_create(
            ConversationEvent(conversation=conversation, kind=EventKind.CREATED)
            for conversation in conversations
        )
        assignees = Conversation.assignees.through
        assignees.objects.bulk_create(
            assignees(conversation_id=conversation.pk, user_id=spec.queue.default_assignee_id)
            for spec, conversation in zip(new, conversations, strict=True)
            if spec.queue is not None and spec.queue.default_assignee_id is not None
        )
    return conversations


def record_message_added(*, conversation: Conversation, at: datetime, count: int = 1) -> None:
    """Count newly stored messages and move ``last_message_at`` forward (never back).

    ``count`` messages at once (the mail pipeline's batches), ``at`` the latest of their dates.
    """
    record_messages_added(added=[(conversation, count, at)])


def record_messages_added(*, added: Sequence[tuple[Conversation, int, datetime]]) -> None:
    """``record_message_added`` for several conversations in one UPDATE.

    Each entry is (conversation, messages added, the latest of their dates).
    """
    now = timezone.now()
    # About six parameters per conversation: stay far below SQLite's limit of variables.
    for start in range(0, len(added), 100):
        _record_messages_added(added[start : start + 100], now)


def _record_messages_added(
    added: Sequence[tuple[Conversation, int, datetime]], now: datetime
) -> None:
    counts = [When(pk=conversation.pk, then=Value(count)) for conversation, count, _ in added]
    latest = [
        When(
            Q(pk=conversation.pk) & (Q(last_message_at__isnull=True) | Q(last_message_at__lt=at)),
            then=Value(at),
        )
        for conversation, _, at in added
    ]
    Conversation.objects.filter(pk__in=[conversation.pk for conversation, _, _ in added]).update(
        message_count=F("message_count") + Case(*counts, default=Value(0)),
        last_message_at=Case(*latest, default=F("last_message_at")),
        # A new message makes the conversation unread again, whatever its Date header says.
        last_activity_at=now,
        updated_at=now,
    )
    # Mirror the update on the instances without another query.
    for conversation, count, at in added:
        conversation.message_count += count
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
