"""The inbox list: folders, filters, sorting, keyset pagination and folder counts.

Read-only queries shared by the web inbox and the API. Pages are cut with a keyset on
(sort key, id) — never OFFSET — and no COUNT(*) runs over the whole table for paging, so a
page costs the same at 10,000 and at 1,000,000 messages. Folder counts count the open work
with counts capped at 1,000 ("1000+"), per folder, queue and mailbox, in one query. See
docs/decisions/0004-inbox-workflow.md.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from parley.accounts.access import team_ids_for_user
from parley.conversations.models import (
    CLOSED_STATUSES,
    Conversation,
    ConversationQuerySet,
    ConversationRead,
    Queue,
)
from parley.mail.models import Mailbox, Message

if TYPE_CHECKING:
    from collections.abc import Sequence

    from parley.accounts.models import User

PAGE_SIZE = 50
# Folder counts stop here (the sidebar shows "1000+").
COUNT_CAP = 1000


class Folder(StrEnum):
    OPEN = "open"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    SNOOZED = "snoozed"
    CLOSED = "closed"
    ALL = "all"


class Sort(StrEnum):
    ACTIVITY = "activity"  # newest activity first
    ACTIVITY_ASC = "activity_asc"
    CREATED = "created"  # newest conversation first
    CREATED_ASC = "created_asc"


@dataclass(frozen=True)
class InboxFilters:
    folder: Folder = Folder.OPEN
    sort: Sort = Sort.ACTIVITY
    queue_id: int | None = None
    mailbox_id: int | None = None
    status: str | None = None
    priority: str | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    tag_id: int | None = None
    contact_id: int | None = None
    organization_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_attachments: bool = False


@dataclass
class InboxPage:
    rows: list[Conversation]
    next_cursor: str | None
    filters: InboxFilters


@dataclass
class FolderCounts:
    open: int = 0
    mine: int = 0
    unassigned: int = 0
    snoozed: int = 0
    closed: int = 0
    open_capped: bool = False
    mine_capped: bool = False
    unassigned_capped: bool = False
    snoozed_capped: bool = False
    closed_capped: bool = False
    queues: list[Queue] = field(default_factory=list)
    mailboxes: list[Mailbox] = field(default_factory=list)


def _in_folder(qs: ConversationQuerySet, folder: Folder, user: User) -> ConversationQuerySet:
    mine = Conversation.assignees.through.objects.filter(
        conversation_id=OuterRef("pk"), user_id=user.pk
    )
    anyone = Conversation.assignees.through.objects.filter(conversation_id=OuterRef("pk"))
    match folder:
        case Folder.OPEN:
            return qs.open()
        case Folder.MINE:
            return qs.open().filter(Exists(mine))
        case Folder.UNASSIGNED:
            return qs.open().filter(~Exists(anyone))
        case Folder.SNOOZED:
            return qs.snoozed()
        case Folder.CLOSED:
            return qs.filter(status__in=CLOSED_STATUSES)
    return qs


def _filtered(user: User, f: InboxFilters) -> ConversationQuerySet:
    qs = _in_folder(Conversation.objects.visible_to(user).listed(), f.folder, user)
    exact = {
        "queue_id": f.queue_id,
        "mailbox_id": f.mailbox_id,
        "status": f.status,
        "priority": f.priority,
        "category_id": f.category_id,
        "contact_id": f.contact_id,
        "organization_id": f.organization_id,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.assignee_id is not None:
        through = Conversation.assignees.through.objects
        qs = qs.filter(
            Exists(through.filter(conversation_id=OuterRef("pk"), user_id=f.assignee_id))
        )
    if f.tag_id is not None:
        through_tags = Conversation.tags.through.objects
        qs = qs.filter(Exists(through_tags.filter(conversation_id=OuterRef("pk"), tag_id=f.tag_id)))
    if f.has_attachments:
        with_files = Message.objects.filter(conversation_id=OuterRef("pk"), has_attachments=True)
        qs = qs.filter(Exists(with_files))
    tz = timezone.get_current_timezone()
    if f.date_from is not None:
        qs = qs.filter(last_activity_at__gte=datetime.combine(f.date_from, time.min, tz))
    if f.date_to is not None:
        end = datetime.combine(f.date_to + timedelta(days=1), time.min, tz)
        qs = qs.filter(last_activity_at__lt=end)
    return qs


def encode_cursor(conversation: Conversation, sort: Sort) -> str:
    key = f"{conversation.last_activity_at.isoformat()}|{conversation.pk}"
    if sort in (Sort.CREATED, Sort.CREATED_ASC):
        key = str(conversation.pk)
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _after_cursor(qs: ConversationQuerySet, cursor: str, sort: Sort) -> ConversationQuerySet:
    """Rows strictly after the cursor's row in `sort` order; a bad cursor means page one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if sort in (Sort.CREATED, Sort.CREATED_ASC):
            pk = int(raw)
            return qs.filter(pk__lt=pk) if sort == Sort.CREATED else qs.filter(pk__gt=pk)
        stamp, pk_text = raw.rsplit("|", 1)
        at, pk = datetime.fromisoformat(stamp), int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return qs
    # The redundant bound on last_activity_at alone lets the database seek in the index
    # instead of walking it from the top to the cursor (which grew with the page's depth).
    if sort == Sort.ACTIVITY:
        after = Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk)
        return qs.filter(after, last_activity_at__lte=at)
    after = Q(last_activity_at__gt=at) | Q(last_activity_at=at, pk__gt=pk)
    return qs.filter(after, last_activity_at__gte=at)


ORDER = {
    Sort.ACTIVITY: ("-last_activity_at", "-pk"),
    Sort.ACTIVITY_ASC: ("last_activity_at", "pk"),
    Sort.CREATED: ("-pk",),
    Sort.CREATED_ASC: ("pk",),
}


def inbox_page(
    user: User, filters: InboxFilters, *, cursor: str = "", size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox (three queries: rows, assignees, tags)."""
    qs = _filtered(user, filters)
    if cursor:
        qs = _after_cursor(qs, cursor, filters.sort)
    latest = Message.objects.filter(conversation_id=OuterRef("pk"), deleted_at__isnull=True)
    latest = latest.order_by("-date", "-pk")
    read = ConversationRead.objects.filter(
        user_id=user.pk,
        conversation_id=OuterRef("pk"),
        last_read_at__gte=OuterRef("last_activity_at"),
    )
    qs = (
        qs.select_related("queue", "category", "mailbox", "contact", "organization")
        # Plain lists (to_attr): the template then builds no related manager per row.
        .prefetch_related(
            Prefetch("assignees", to_attr="assignee_list"), Prefetch("tags", to_attr="tag_list")
        )
        .annotate(
            snippet=Subquery(latest.values("snippet")[:1]),
            last_from_name=Subquery(latest.values("from_name")[:1]),
            last_from_address=Subquery(latest.values("from_address")[:1]),
            is_unread=~Exists(read),
        )
        .order_by(*ORDER[filters.sort])
    )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(rows[-1], filters.sort) if more and rows else None
    return InboxPage(rows=rows, next_cursor=next_cursor, filters=filters)


def new_activity_count(user: User, filters: InboxFilters, since: datetime, cap: int = 100) -> int:
    """How many conversations in the current view moved since `since` (capped)."""
    qs = _filtered(user, filters).filter(last_activity_at__gt=since)
    return qs[:cap].count()


# SQLite refuses a compound SELECT of more than 500 terms; one query serves up to this many
# counts (five folders plus every queue and mailbox a user sees).
_COUNTS_PER_QUERY = 400


def _capped_counts(querysets: Sequence[QuerySet[Any]]) -> list[tuple[int, bool]]:
    """Counts that each stop at COUNT_CAP (shown as "1000+"), all in one query.

    Every count is `SELECT COUNT(*) FROM (… LIMIT 1001)`: the database stops after 1,001
    matching rows, so its cost does not grow with the table, unlike a full COUNT(*) or a
    grouped count over every open conversation. The counts are glued with UNION ALL so
    the sidebar costs one round trip whatever the number of queues and mailboxes.
    """
    if not querysets:
        return []
    found: dict[int, int] = {}
    for chunk_start in range(0, len(querysets), _COUNTS_PER_QUERY):
        chunk = querysets[chunk_start : chunk_start + _COUNTS_PER_QUERY]
        parts: list[str] = []
        params: list[Any] = []
        db = chunk[0].db
        for offset, qs in enumerate(chunk):
            bounded = qs.order_by().values("pk")[: COUNT_CAP + 1]
            sql, qs_params = bounded.query.get_compiler(using=db).as_sql()
            key = chunk_start + offset
            # `sql` is compiled by Django with its values as parameters; `key` is an int.
            parts.append(f"SELECT {key} AS k, COUNT(*) AS n FROM ({sql}) AS capped_{key}")  # noqa: S608
            params.extend(qs_params)
        with connections[db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found.update({int(k): int(n) for k, n in cursor.fetchall()})
    return [
        (min(found.get(i, 0), COUNT_CAP), found.get(i, 0) > COUNT_CAP)
        for i in range(len(querysets))
    ]


def folder_counts(user: User) -> FolderCounts:
    """Counts for the sidebar, each capped at COUNT_CAP: one per folder, one per queue and
    one per mailbox (open conversations) — three queries in all (queues, mailboxes and one
    UNION ALL of bounded counts), whatever the size of the tables."""
    teams = team_ids_for_user(user)
    visible = Conversation.objects.alive().filter(team_id__in=teams).listed()
    not_closed = visible.exclude(status__in=CLOSED_STATUSES)
    awake = Q(snoozed_until__isnull=True)
    through = Conversation.assignees.through.objects
    anyone = Exists(through.filter(conversation_id=OuterRef("pk")))
    open_now = not_closed.filter(awake)
    # Counted from the user's own assignment rows joined to their conversations: the
    # database walks the user's assignments and stops at the cap, instead of hashing every
    # assignment the user ever had (PostgreSQL) or walking the whole team (SQLite).
    mine_rows = through.filter(
        user_id=user.pk,
        conversation__team_id__in=teams,
        conversation__deleted_at__isnull=True,
        conversation__merged_into__isnull=True,
        conversation__snoozed_until__isnull=True,
    ).exclude(conversation__status__in=CLOSED_STATUSES)
    queues = list(Queue.objects.filter(team_id__in=teams).order_by("name"))
    # Mailbox.objects.visible_to(user), without asking for the user's teams a third time.
    mailboxes = list(Mailbox.objects.filter(team_id__in=teams).order_by("name"))
    folders = [
        open_now,
        mine_rows,
        open_now.filter(~anyone),
        # snoozed() spells "snoozed_until IS NOT NULL", which the partial index conv_snoozed
        # serves.
        not_closed.snoozed(),
        visible.filter(status__in=CLOSED_STATUSES),
    ]
    per_queue = [open_now.filter(queue_id=queue.pk) for queue in queues]
    per_mailbox = [open_now.filter(mailbox_id=mailbox.pk) for mailbox in mailboxes]
    counts = _capped_counts([*folders, *per_queue, *per_mailbox])
    folder_n, queue_n, mailbox_n = (
        counts[:5],
        counts[5 : 5 + len(queues)],
        counts[5 + len(queues) :],
    )
    for queue, (n, capped) in zip(queues, queue_n, strict=True):
        queue.open_count = n  # type: ignore[attr-defined]  # display-only attribute
        queue.open_capped = capped  # type: ignore[attr-defined]  # display-only attribute
    for mailbox, (n, capped) in zip(mailboxes, mailbox_n, strict=True):
        mailbox.open_count = n  # type: ignore[attr-defined]  # display-only attribute
        mailbox.open_capped = capped  # type: ignore[attr-defined]  # display-only attribute
    (
        (open_n, open_capped),
        (mine, mine_capped),
        (unassigned, unassigned_capped),
        (snoozed, snoozed_capped),
        (closed, closed_capped),
    ) = folder_n
    return FolderCounts(
        open=open_n,
        mine=mine,
        unassigned=unassigned,
        snoozed=snoozed,
        closed=closed,
        open_capped=open_capped,
        mine_capped=mine_capped,
        unassigned_capped=unassigned_capped,
        snoozed_capped=snoozed_capped,
        closed_capped=closed_capped,
        queues=queues,
        mailboxes=mailboxes,
    )
