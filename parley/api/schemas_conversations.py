"""Request and response schemas of the conversations API (issue 4, section 6)."""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from parley.conversations.inbox import Folder, Sort
from parley.conversations.models import (
    Conversation,
    NoteKind,
    Priority,
    Source,
    Status,
)
from parley.mail.models import Direction, Message


class ConversationQuery(Schema):
    """Filters of `GET /conversations`: the inbox folders and filters of the web UI."""

    folder: Folder = Field(
        default=Folder.OPEN,
        description="open (not closed, not snoozed), mine, unassigned, snoozed, closed or all.",
    )
    sort: Sort = Sort.ACTIVITY
    queue: int | None = None
    mailbox: int | None = None
    status: Status | None = None
    priority: Priority | None = None
    category: int | None = None
    assignee: int | None = Field(default=None, description="User id of an assignee.")
    tag: int | None = None
    contact: int | None = None
    organization: int | None = None
    date_from: date | None = Field(default=None, description="Last activity on or after.")
    date_to: date | None = Field(default=None, description="Last activity on or before.")
    has_attachments: bool = False
    cursor: str = Field(
        default="", description="`next_cursor` of the previous page; empty for page one."
    )
    limit: int = Field(default=50, ge=1, le=200)


class NamedOut(Schema):
    id: int
    name: str


class AssigneeOut(Schema):
    id: int
    email: str
    name: str


class ConversationOut(Schema):
    id: int
    number: int
    team_id: int
    subject: str
    status: Status
    priority: Priority
    source: Source
    queue: NamedOut | None
    category: NamedOut | None
    mailbox_id: int | None
    contact_id: int | None
    organization_id: int | None
    assignees: list[AssigneeOut]
    tags: list[NamedOut]
    message_count: int
    last_message_at: datetime | None
    last_activity_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    snoozed_until: datetime | None
    snooze_note: str
    merged_into_id: int | None = Field(
        description="Set when this conversation was merged: read that one instead."
    )
    created_at: datetime

    # The inbox page prefetches them as plain lists (`assignee_list`, `tag_list`); a single
    # conversation has its managers.
    @staticmethod
    def resolve_assignees(obj: Conversation) -> list[AssigneeOut]:
        users = getattr(obj, "assignee_list", None)
        if users is None:
            users = obj.assignees.all()
        return [AssigneeOut(id=u.pk, email=u.email, name=u.name) for u in users]

    @staticmethod
    def resolve_tags(obj: Conversation) -> list[NamedOut]:
        tags = getattr(obj, "tag_list", None)
        if tags is None:
            tags = obj.tags.all()
        return [NamedOut(id=t.pk, name=t.name) for t in tags]


class ConversationListItem(ConversationOut):
    snippet: str = Field(default="", description="Start of the latest message.")
    is_unread: bool = Field(default=False, description="Unread by the caller.")

    @staticmethod
    def resolve_snippet(obj: Conversation) -> str:
        return getattr(obj, "snippet", None) or ""


class ConversationPage(Schema):
    items: list[ConversationListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


class ConversationPatch(Schema):
    """Fields to change; leave a field out to keep it. `null` clears queue and category."""

    status: Status | None = None
    priority: Priority | None = None
    category_id: int | None = None
    queue_id: int | None = Field(
        default=None, description="Changing the queue unassigns (then the queue's default)."
    )
    tag_ids: list[int] | None = Field(default=None, description="The complete set of tags.")


class AssignIn(Schema):
    user_ids: list[int] = Field(
        description="The complete set of assignees: users not listed are removed."
    )


class SnoozeIn(Schema):
    until: datetime = Field(description="When it comes back to Open (in the future).")
    note: str = Field(default="", max_length=500)


class MergeIn(Schema):
    into: int = Field(description="Id of the conversation that receives everything.")


class SplitIn(Schema):
    message_id: int = Field(description="The message that moves to a new conversation.")


class AddressOut(Schema):
    name: str = ""
    address: str = ""


class MessageOut(Schema):
    id: int
    conversation_id: int
    message_id: str | None
    subject: str
    from_name: str
    from_address: str
    to: list[AddressOut]
    cc: list[AddressOut]
    date: datetime | None
    direction: Direction
    text: str
    reply_text: str = Field(
        description="The new text of the message: `text` without quoted history and "
        "signature (the whole `text` when none is found)."
    )
    html: str
    has_attachments: bool
    created_at: datetime

    @staticmethod
    def resolve_reply_text(obj: Message) -> str:
        return obj.visible_text


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=20000, description="`@name` mentions notify.")


class NoteOut(Schema):
    id: int
    conversation_id: int
    kind: NoteKind
    author_id: int | None
    body: str
    created_at: datetime
