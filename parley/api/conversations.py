"""/api/v1/conversations: the shared inbox over HTTP (issue 4, section 6).

The list takes the web inbox's folders and filters and pages with an opaque keyset cursor
(never OFFSET). Permissions follow the web pages exactly: members of the conversation's team
read, agents and above change; a reader's write answers 403, another team's conversation
404. Every change goes through the workflow services, so it writes the same system comment
and notifications as the UI; a refusal of a service (already closed, a user who is not an
agent of the team…) answers 422 with the reason.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from parley.accounts.models import User
from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.api.schemas_conversations import (
    AssignIn,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    ConversationQuery,
    MergeIn,
    MessageOut,
    NoteIn,
    NoteOut,
    SnoozeIn,
    SplitIn,
)
from parley.conversations.access import get_conversation_for_user, get_message_for_user
from parley.conversations.exceptions import ConversationError
from parley.conversations.inbox import InboxFilters, inbox_page
from parley.conversations.models import Category, Conversation, Note, Queue, Tag
from parley.conversations.services import records, workflow
from parley.conversations.services.workflow import BulkResult
from parley.mail.models import Message

router = Router(tags=["conversations"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


FORBIDDEN = "You may read but not change this team's conversations."


def _writable(request: HttpRequest, conversation_id: int) -> Conversation:
    with answers(ConversationError, forbidden=FORBIDDEN):
        return get_conversation_for_user(_user(request), conversation_id, write=True)


def _check(result: BulkResult) -> None:
    if result.refused:
        raise HttpError(422, result.refused[0].reason)


def _fresh(user: User, conversation_id: int) -> Conversation:
    conversation = get_conversation_for_user(user, conversation_id)
    return (
        Conversation.objects.filter(pk=conversation.pk)
        .select_related("queue", "category")
        .prefetch_related("assignees", "tags")[0]
    )


@router.get("/conversations", response=ConversationPage, summary="List conversations")
def list_conversations(request: HttpRequest, query: Query[ConversationQuery]) -> ConversationPage:
    """One page of the inbox, newest activity first by default. Pass the answer's
    `next_cursor` as `cursor` to get the next page; it is null on the last page."""
    params = query.model_dump(exclude={"cursor", "limit"})
    renames = {"queue": "queue_id", "mailbox": "mailbox_id", "category": "category_id"}
    renames |= {"assignee": "assignee_id", "tag": "tag_id", "contact": "contact_id"}
    renames |= {"organization": "organization_id"}
    filters = InboxFilters(**{renames.get(k, k): v for k, v in params.items()})
    page = inbox_page(_user(request), filters, cursor=query.cursor, size=query.limit)
    return ConversationPage.model_validate({"items": page.rows, "next_cursor": page.next_cursor})


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    summary="A conversation",
)
def get_conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    """A merged conversation is still readable; `merged_into_id` names the one to read."""
    return _fresh(_user(request), conversation_id)


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    summary="Change status, priority, category, queue or tags",
)
def patch_conversation(
    request: HttpRequest, conversation_id: int, payload: ConversationPatch
) -> Conversation:
    """Each given field is one workflow action with its system comment."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    changes = payload.model_dump(exclude_unset=True)
    some = [conversation]
    if payload.status is not None and payload.status != conversation.status:
        _check(workflow.change_status(actor=user, conversations=some, status=payload.status))
    if payload.priority is not None:
        _check(workflow.change_priority(actor=user, conversations=some, priority=payload.priority))
    if "category_id" in changes:
        category = _team_row(Category, conversation.team_id, payload.category_id)
        _check(workflow.change_category(actor=user, conversations=some, category=category))
    if "queue_id" in changes:
        queue = _team_row(Queue, conversation.team_id, payload.queue_id)
        _check(workflow.change_queue(actor=user, conversations=some, queue=queue))
    if payload.tag_ids is not None:
        wanted = list(Tag.objects.filter(team_id=conversation.team_id, pk__in=payload.tag_ids))
        if len(wanted) != len(set(payload.tag_ids)):
            raise HttpError(422, "Every tag must belong to the conversation's team.")
        current = list(conversation.tags.all())
        _check(
            workflow.change_tags(
                actor=user,
                conversations=some,
                add=[t for t in wanted if t not in current],
                remove=[t for t in current if t not in wanted],
            )
        )
    return _fresh(user, conversation.pk)


def _team_row[T: (Category, Queue)](model: type[T], team_id: int, pk: int | None) -> T | None:
    if pk is None:
        return None
    row = model.objects.filter(team_id=team_id, pk=pk).first()
    if row is None:
        raise HttpError(422, f"No such {model._meta.verbose_name} in the conversation's team.")
    return row


@router.post(
    "/conversations/{conversation_id}/assign",
    response={200: ConversationOut, **ERRORS},
    summary="Set the assignees",
)
def assign(request: HttpRequest, conversation_id: int, payload: AssignIn) -> Conversation:
    """The given users become exactly the assignees (an empty list unassigns everybody);
    each must be an agent, manager or admin of the team. New assignees are notified."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    users = list(User.objects.filter(pk__in=payload.user_ids, is_active=True))
    if len(users) != len(set(payload.user_ids)):
        raise HttpError(422, "Unknown or inactive user.")
    _check(workflow.set_assignees(actor=user, conversations=[conversation], users=users))
    return _fresh(user, conversation.pk)


@router.post(
    "/conversations/{conversation_id}/close",
    response={200: ConversationOut, **ERRORS},
    summary="Close",
)
def close(request: HttpRequest, conversation_id: int) -> Conversation:
    """Closing also ends a snooze. 422 when it is closed already."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    _check(workflow.close_conversations(actor=user, conversations=[conversation]))
    return _fresh(user, conversation.pk)


@router.post(
    "/conversations/{conversation_id}/reopen",
    response={200: ConversationOut, **ERRORS},
    summary="Reopen",
)
def reopen(request: HttpRequest, conversation_id: int) -> Conversation:
    """Back to Open. 422 when it is not closed (or resolved)."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    _check(workflow.reopen_conversations(actor=user, conversations=[conversation]))
    return _fresh(user, conversation.pk)


@router.post(
    "/conversations/{conversation_id}/snooze",
    response={200: ConversationOut, **ERRORS},
    summary="Snooze until a time",
)
def snooze(request: HttpRequest, conversation_id: int, payload: SnoozeIn) -> Conversation:
    """Hidden from Open until `until`; the worker then puts it back in Open and notifies
    the assignees in-app."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    result = workflow.snooze_conversations(
        actor=user, conversations=[conversation], until=payload.until, note=payload.note
    )
    _check(result)
    return _fresh(user, conversation.pk)


@router.post(
    "/conversations/{conversation_id}/merge",
    response={200: ConversationOut, **ERRORS},
    summary="Merge into another conversation",
)
def merge(request: HttpRequest, conversation_id: int, payload: MergeIn) -> Conversation:
    """Moves this conversation's messages, notes, tags, followers and assignees into
    `into` and closes this one (its `merged_into_id` then names `into`). Answers `into`."""
    user = _user(request)
    source = _writable(request, conversation_id)
    target = _writable(request, payload.into)
    with answers(ConversationError, forbidden=FORBIDDEN):
        records.merge_conversations(actor=user, source=source, target=target)
    return _fresh(user, target.pk)


@router.post(
    "/conversations/{conversation_id}/split",
    response={201: ConversationOut, **ERRORS},
    summary="Split a message off into a new conversation",
)
def split(request: HttpRequest, conversation_id: int, payload: SplitIn) -> Status[Conversation]:
    """The new conversation (status New) inherits subject, queue, assignees, priority and
    category. Answers the new conversation."""
    user = _user(request)
    conversation = _writable(request, conversation_id)
    message = get_message_for_user(user, payload.message_id)
    if message.conversation_id != conversation.pk:
        raise HttpError(404, "No such message in this conversation.")
    with answers(ConversationError, forbidden=FORBIDDEN):
        new = records.split_message(actor=user, message=message)
    return Status(201, _fresh(user, new.pk))


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: list[MessageOut], **ERRORS},
    summary="The messages of a conversation",
)
def list_messages(request: HttpRequest, conversation_id: int) -> QuerySet[Message]:
    """Oldest first; read-only (messages are what was received or sent)."""
    conversation = get_conversation_for_user(_user(request), conversation_id)
    live = Message.objects.filter(conversation=conversation, deleted_at__isnull=True)
    return live.order_by("date", "pk")


@router.get(
    "/conversations/{conversation_id}/notes",
    response={200: list[NoteOut], **ERRORS},
    summary="The internal notes of a conversation",
)
def list_notes(request: HttpRequest, conversation_id: int) -> QuerySet[Note]:
    conversation = get_conversation_for_user(_user(request), conversation_id)
    return Note.objects.filter(conversation=conversation).order_by("created_at", "pk")


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: NoteOut, **ERRORS},
    summary="Add an internal note",
)
def create_note(request: HttpRequest, conversation_id: int, payload: NoteIn) -> Status[Note]:
    """Never sent to the customer. `@name` or `@email` of a team member notifies them."""
    conversation = _writable(request, conversation_id)
    with answers(ConversationError, forbidden=FORBIDDEN):
        note = records.add_note(actor=_user(request), conversation=conversation, body=payload.body)
    return Status(201, note)
