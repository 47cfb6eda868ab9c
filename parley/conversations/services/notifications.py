"""In-app notifications: written by the workflow services, read in the notification centre.

Each function runs inside its caller's transaction (no savepoint of its own) and only
inserts or updates rows; nothing is sent anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from parley.conversations.models import Conversation, Notification, NotificationKind

if TYPE_CHECKING:
    from parley.accounts.models import User


def notify(
    *,
    user_ids: Iterable[int],
    kind: NotificationKind,
    conversation: Conversation | None,
    actor: User | None = None,
) -> list[Notification]:
    """One notification per user, never to the actor who caused it."""
    skip = actor.pk if actor is not None else None
    rows = [
        Notification(user_id=uid, kind=kind, conversation=conversation, actor=actor)
        for uid in sorted(set(user_ids))
        if uid != skip
    ]
    return Notification.objects.bulk_create(rows)


def notify_new_reply(*, conversation: Conversation) -> list[Notification]:
    """Tell the assignees and followers that a customer wrote again.

    Meant to be called by the mail pipeline after an inbound message joined an existing
    conversation (two queries).
    """
    users = set(conversation.assignees.values_list("pk", flat=True))
    users.update(conversation.followers.values_list("pk", flat=True))
    return notify(user_ids=users, kind=NotificationKind.REPLY, conversation=conversation)


def mark_notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_notification_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
