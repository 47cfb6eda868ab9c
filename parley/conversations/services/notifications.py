"""In-app notifications: written by the workflow services, the mail pipeline and the meeting
reminders, read in the notification centre.

Every notification row is made by `notify` or `notify_new_replies` (one set of rules: a
conversation or a meeting as the subject, each user once, never the actor). Each function
runs inside its caller's transaction (no savepoint of its own) and only inserts or updates
rows; nothing is sent anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.utils import timezone

from parley.conversations.models import Conversation, Notification, NotificationKind

if TYPE_CHECKING:
    from datetime import datetime

    from parley.accounts.models import User
    from parley.calls.models import Meeting


def _recipients(user_ids: Iterable[int], actor: User | None) -> list[int]:
    """Who is notified: each user once, never the actor who caused it."""
    skip = actor.pk if actor is not None else None
    return [uid for uid in sorted(set(user_ids)) if uid != skip]


def notify(  # noqa: PLR0913  # keyword-only; one subject of two, who, what, when
    *,
    user_ids: Iterable[int],
    kind: NotificationKind,
    conversation: Conversation | None = None,
    meeting: Meeting | None = None,
    actor: User | None = None,
    created_at: datetime | None = None,
) -> list[Notification]:
    """One notification per user about a conversation or a meeting (exactly one of them).

    Every notification is made here (or by `notify_new_replies`, with the same
    `_recipients`): each user once, never the actor who caused it. One INSERT, none when
    nobody is left; the header's poll shows the new row (and chimes) whatever its subject.
    """
    if (conversation is None) == (meeting is None):
        msg = "A notification is about exactly one conversation or one meeting."
        raise ValueError(msg)
    when = created_at or timezone.now()
    rows = [
        Notification(
            user_id=uid,
            kind=kind,
            conversation=conversation,
            meeting=meeting,
            actor=actor,
            created_at=when,
        )
        for uid in _recipients(user_ids, actor)
    ]
    return Notification.objects.bulk_create(rows)


def notify_new_replies(*, conversations: Sequence[Conversation]) -> list[Notification]:
    """Tell the assignees and followers of each conversation that a customer wrote again.

    Called once per batch by the mail pipeline (parley.mail.ingest) for the existing
    conversations that an inbound message joined. Two queries whatever the number of
    conversations (their assignees and followers in one, the INSERT), none for no
    conversations; runs inside ingest's write transaction.
    """
    if not conversations:
        return []
    pks = [conversation.pk for conversation in conversations]
    assigned = Conversation.assignees.through.objects.filter(conversation_id__in=pks)
    following = Conversation.followers.through.objects.filter(conversation_id__in=pks)
    pairs = assigned.values_list("conversation_id", "user_id").union(
        following.values_list("conversation_id", "user_id")
    )
    users: dict[int, set[int]] = {}
    for conversation_id, user_id in pairs:
        users.setdefault(conversation_id, set()).add(user_id)
    now = timezone.now()
    rows = [
        Notification(
            user_id=uid, kind=NotificationKind.REPLY, conversation=conversation, created_at=now
        )
        for conversation in conversations
        for uid in _recipients(users.get(conversation.pk, ()), None)
    ]
    return Notification.objects.bulk_create(rows)


def mark_notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_notification_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
