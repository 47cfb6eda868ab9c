"""The team's actions on conversations: assign, queue, status, priority, category, tags,
snooze, follow, delete — one or many conversations at a time.

Every bulk function checks, per conversation, that the actor may change it and answers a
`BulkResult` saying what succeeded and what was refused and why; each conversation is its
own durable transaction, so one refusal never undoes the others. Every change writes a
`ConversationEvent` (the system comment). Side effects (the snooze wake-up task) are
enqueued with `transaction.on_commit`. Notifications are rows written in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.access import can_delete_in_team, team_ids_for_user
from parley.accounts.models import WRITE_ROLES, Membership
from parley.conversations.exceptions import RefusedError
from parley.conversations.models import (
    CLOSED_STATUSES,
    Category,
    Conversation,
    ConversationEvent,
    EventKind,
    NotificationKind,
    Priority,
    Queue,
    Status,
    Tag,
)
from parley.conversations.services.core import sla_due_times
from parley.conversations.services.notifications import notify

if TYPE_CHECKING:
    from parley.accounts.models import User


@dataclass(frozen=True)
class Outcome:
    conversation_id: int
    number: int
    ok: bool
    reason: str = ""


@dataclass
class BulkResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


Change = Callable[[Conversation], None]


def record_event(
    conversation: Conversation, kind: EventKind, actor: User | None, **data: Any
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation, kind=kind, actor=actor, data=data
    )


def _touch(conversation: Conversation, *fields: str) -> None:
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=[*fields, "updated_at"])


def run_bulk(
    *, actor: User, conversations: Iterable[Conversation], change: Change, delete: bool = False
) -> BulkResult:
    """Apply `change` to each conversation the actor may write, each in its own transaction.

    `change` raises `RefusedError` for a conversation it must leave alone; readers of a team,
    and (with `delete=True`) members without the delete grant, are refused here.
    """
    writable = team_ids_for_user(actor, write=True)
    result = BulkResult()
    for conversation in conversations:
        reason = ""
        if conversation.team_id not in writable:
            reason = _("You may only read conversations of this team.")
        elif delete and not can_delete_in_team(actor, conversation.team_id):
            reason = _("You are not allowed to delete conversations in this team.")
        else:
            try:
                with transaction.atomic(durable=True):
                    change(conversation)
            except RefusedError as refused:
                reason = str(refused)
        outcome = Outcome(conversation.pk, conversation.number, not reason, reason)
        result.outcomes.append(outcome)
    return result


def _team_agents(team_id: int, users: Sequence[User]) -> None:
    """Refuse users who are not agents (or managers, admins) of the team."""
    ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(
            team_id=team_id, user_id__in=ids, role__in=WRITE_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = [str(u) for u in users if u.pk not in members]
    if strangers:
        raise RefusedError(_("Not an agent of this team: %s") % ", ".join(strangers))


def _replace_assignees(conversation: Conversation, actor: User | None, wanted: set[int]) -> bool:
    current = set(conversation.assignees.values_list("pk", flat=True))
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return False
    if removed:
        conversation.assignees.remove(*removed)
    if added:
        conversation.assignees.add(*added)
    record_event(
        conversation, EventKind.ASSIGNED, actor, added=sorted(added), removed=sorted(removed)
    )
    notify(user_ids=added, kind=NotificationKind.ASSIGNED, conversation=conversation, actor=actor)
    return True


def set_assignees(
    *, actor: User, conversations: Iterable[Conversation], users: Sequence[User]
) -> BulkResult:
    """Make `users` exactly the assignees of each conversation: users not given are removed
    (as in the DMSales bulk dialog). New assignees are notified."""

    def change(conversation: Conversation) -> None:
        _team_agents(conversation.team_id, users)
        _replace_assignees(conversation, actor, {u.pk for u in users})

    return run_bulk(actor=actor, conversations=conversations, change=change)


def change_queue(
    *, actor: User, conversations: Iterable[Conversation], queue: Queue | None
) -> BulkResult:
    """Move to `queue`. Moving unassigns everybody (as in Thulium); the new queue's default
    assignee, if any, is then assigned."""

    def change(conversation: Conversation) -> None:
        if queue is not None and queue.team_id != conversation.team_id:
            raise RefusedError(_("The queue belongs to another team."))
        if conversation.queue_id == (queue.pk if queue else None):
            return
        old = conversation.queue_id
        conversation.queue = queue
        _touch(conversation, "queue")
        record_event(conversation, EventKind.QUEUE, actor, old=old, new=queue.pk if queue else None)
        default = {queue.default_assignee_id} if queue and queue.default_assignee_id else set()
        _replace_assignees(conversation, actor, default)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def _set_status(conversation: Conversation, actor: User, status: Status) -> None:
    old = conversation.status
    if old == status:
        raise RefusedError(_("It is already %s.") % status.label)
    conversation.status = status
    fields = ["status"]
    if status in CLOSED_STATUSES and conversation.snoozed_until is not None:
        conversation.snoozed_until = None
        conversation.snooze_note = ""
        fields += ["snoozed_until", "snooze_note"]
    _touch(conversation, *fields)
    record_event(conversation, EventKind.STATUS, actor, old=old, new=status.value)


def change_status(
    *, actor: User, conversations: Iterable[Conversation], status: Status
) -> BulkResult:
    """Set the status; closing also ends a snooze."""
    return run_bulk(
        actor=actor,
        conversations=conversations,
        change=lambda c: _set_status(c, actor, status),
    )


def close_conversations(*, actor: User, conversations: Iterable[Conversation]) -> BulkResult:
    return change_status(actor=actor, conversations=conversations, status=Status.CLOSED)


def reopen_conversations(*, actor: User, conversations: Iterable[Conversation]) -> BulkResult:
    def change(conversation: Conversation) -> None:
        if not conversation.is_closed:
            raise RefusedError(_("It is not closed."))
        _set_status(conversation, actor, Status.OPEN)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def change_priority(
    *, actor: User, conversations: Iterable[Conversation], priority: Priority
) -> BulkResult:
    """Set the priority and recompute the SLA due times from the creation time."""

    def change(conversation: Conversation) -> None:
        if conversation.priority == priority:
            return
        old = conversation.priority
        conversation.priority = priority
        conversation.first_response_due, conversation.resolution_due = sla_due_times(
            team_id=conversation.team_id, priority=priority, start=conversation.created_at
        )
        _touch(conversation, "priority", "first_response_due", "resolution_due")
        record_event(conversation, EventKind.PRIORITY, actor, old=old, new=priority.value)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def change_category(
    *, actor: User, conversations: Iterable[Conversation], category: Category | None
) -> BulkResult:
    def change(conversation: Conversation) -> None:
        if category is not None and category.team_id != conversation.team_id:
            raise RefusedError(_("The category belongs to another team."))
        new = category.pk if category else None
        if conversation.category_id == new:
            return
        old = conversation.category_id
        conversation.category = category
        _touch(conversation, "category")
        record_event(conversation, EventKind.CATEGORY, actor, old=old, new=new)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def change_tags(
    *,
    actor: User,
    conversations: Iterable[Conversation],
    add: Sequence[Tag] = (),
    remove: Sequence[Tag] = (),
) -> BulkResult:
    """Add and remove tags; tags of another team are refused."""

    def change(conversation: Conversation) -> None:
        if any(t.team_id != conversation.team_id for t in [*add, *remove]):
            raise RefusedError(_("A tag belongs to another team."))
        current = set(conversation.tags.values_list("pk", flat=True))
        added = {t.pk for t in add} - current
        removed = {t.pk for t in remove} & current
        if not added and not removed:
            return
        conversation.tags.remove(*removed)
        conversation.tags.add(*added)
        record_event(
            conversation, EventKind.TAGS, actor, added=sorted(added), removed=sorted(removed)
        )

    return run_bulk(actor=actor, conversations=conversations, change=change)


def snooze_conversations(
    *, actor: User, conversations: Iterable[Conversation], until: datetime, note: str = ""
) -> BulkResult:
    """Hide conversations until `until`; the `wake_snoozed` task brings each back then."""

    def change(conversation: Conversation) -> None:
        if until <= timezone.now():
            raise RefusedError(_("Choose a time in the future."))
        if conversation.is_closed:
            raise RefusedError(_("Closed conversations cannot be snoozed."))
        conversation.snoozed_until = until
        conversation.snooze_note = note[:500]
        _touch(conversation, "snoozed_until", "snooze_note")
        record_event(conversation, EventKind.SNOOZED, actor, until=until.isoformat(), note=note)
        _schedule_wake(conversation.pk, until)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def _schedule_wake(conversation_id: int, until: datetime) -> None:
    from parley.conversations.tasks import wake_snoozed

    if not default_task_backend.supports_defer:
        # The immediate backend (tests, PARLEY_TASKS=immediate) cannot wait: wake_due_snoozed
        # is the way there.
        return
    transaction.on_commit(
        lambda: wake_snoozed.using(run_after=until).enqueue(conversation_id=conversation_id)
    )


def wake_conversation(*, conversation_id: int, now: datetime | None = None) -> bool:
    """Wake a conversation whose snooze has ended: back to Open, assignees notified.

    Compare-and-swap on `snoozed_until`, so running twice (or after an agent re-snoozed it
    to a later time) does nothing. True when it woke.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        woke = Conversation.objects.filter(
            pk=conversation_id, snoozed_until__lte=now, deleted_at__isnull=True
        ).update(snoozed_until=None, snooze_note="", status=Status.OPEN, updated_at=now)
        if not woke:
            return False
        conversation = Conversation.objects.get(pk=conversation_id)
        record_event(conversation, EventKind.WOKE, None)
        assignees = conversation.assignees.values_list("pk", flat=True)
        notify(user_ids=assignees, kind=NotificationKind.SNOOZE_WOKE, conversation=conversation)
    return True


def wake_due_snoozed(*, now: datetime | None = None) -> int:
    """Wake every conversation whose snooze ended (a sweep for lost or immediate tasks)."""
    now = now or timezone.now()
    due = Conversation.objects.alive().filter(snoozed_until__lte=now).values_list("pk", flat=True)
    return sum(wake_conversation(conversation_id=pk, now=now) for pk in list(due))


def unsnooze_conversations(*, actor: User, conversations: Iterable[Conversation]) -> BulkResult:
    def change(conversation: Conversation) -> None:
        if conversation.snoozed_until is None:
            raise RefusedError(_("It is not snoozed."))
        conversation.snoozed_until = None
        conversation.snooze_note = ""
        _touch(conversation, "snoozed_until", "snooze_note")
        record_event(conversation, EventKind.WOKE, actor)

    return run_bulk(actor=actor, conversations=conversations, change=change)


def set_following(*, actor: User, conversation: Conversation, follow: bool) -> bool:
    """Follow or unfollow; True when something changed. Any team member may follow."""
    with transaction.atomic(durable=True):
        is_following = conversation.followers.filter(pk=actor.pk).exists()
        if is_following == follow:
            return False
        if follow:
            conversation.followers.add(actor)
        else:
            conversation.followers.remove(actor)
        kind = EventKind.FOLLOWED if follow else EventKind.UNFOLLOWED
        record_event(conversation, kind, actor)
    return True


def delete_conversations(*, actor: User, conversations: Iterable[Conversation]) -> BulkResult:
    """Soft-delete: gone from lists, timelines and reports; needs the `can_delete` grant."""

    def change(conversation: Conversation) -> None:
        conversation.deleted_at = timezone.now()
        _touch(conversation, "deleted_at")
        record_event(conversation, EventKind.DELETED, actor)

    return run_bulk(actor=actor, conversations=conversations, change=change, delete=True)
