"""/api/v1 for composing and sending (issue 5 part 6): reply in a conversation, start a new
conversation, list and cancel scheduled messages, follow an outgoing message, list canned
responses.

A message sent through the API goes through the same outbox as one sent from the composer:
it waits PARLEY_UNDO_SECONDS (or until `send_at`), then the worker sends it exactly once.
Agents and above of the mailbox's team may send; readers get 403, other teams 404.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from parley.accounts.access import check_team_access
from parley.accounts.models import User
from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.compose.access import (
    get_outgoing_for_user,
    get_sending_mailbox_for_user,
)
from parley.compose.exceptions import ComposeError, InvalidAddressError
from parley.compose.models import Kind, OutgoingMessage, ResponseTemplate
from parley.compose.services import drafts
from parley.conversations.access import get_conversation_for_user, get_message_for_user
from parley.conversations.models import Queue

router = Router(tags=["compose"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class OutgoingOut(Schema):
    id: int
    state: str
    kind: str
    conversation_id: int | None
    mailbox_id: int | None
    message_id: str = Field(description="Message-ID header, without angle brackets.")
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    send_at: datetime | None
    is_scheduled: bool
    sent_at: datetime | None
    attempts: int
    last_error: str
    track_opens: bool
    opens: int = Field(0, description="How often the tracking pixel was loaded.")

    @staticmethod
    def resolve_opens(obj: OutgoingMessage) -> int:
        return obj.opens.count()


class MessageIn(Schema):
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list, description="At most 30 addresses.")
    bcc: list[str] = Field(default_factory=list)
    subject: str | None = Field(None, description="Required for a new conversation.")
    body_html: str = Field(description="HTML; it is sanitized.")
    send_at: datetime | None = Field(None, description="Schedule up to 14 days ahead.")
    track_opens: bool | None = None


class ReplyIn(MessageIn):
    kind: str = Field("reply", description="reply, reply_all or forward")
    message_id: int | None = Field(
        None, description="The message answered (id); the conversation's last by default."
    )
    mailbox_id: int | None = None


class NewMessageIn(MessageIn):
    mailbox_id: int
    queue_id: int | None = None


class TemplateOut(Schema):
    id: int
    team_id: int
    personal: bool
    name: str
    subject: str
    body_html: str

    @staticmethod
    def resolve_personal(obj: ResponseTemplate) -> bool:
        return obj.owner_id is not None


FORBIDDEN = "You may read but not send in this team."


def _fill_and_queue(
    user: User, draft: OutgoingMessage, payload: MessageIn, queue: Queue | None = None
) -> OutgoingMessage:
    changes = drafts.DraftChanges(
        to=payload.to or draft.to,
        cc=payload.cc or draft.cc,
        bcc=payload.bcc,
        subject=payload.subject if payload.subject is not None else draft.subject,
        body_html=payload.body_html,
        queue=queue,
        track_opens=payload.track_opens,
    )
    draft = drafts.update_draft(outgoing=draft, changes=changes)
    try:
        return drafts.queue_message(outgoing=draft, user=user, send_at=payload.send_at)
    except ComposeError:
        # Nothing half-done stays behind: the draft was made for this call only.
        drafts.delete_draft(outgoing=draft)
        raise


@router.post(
    "/conversations/{conversation_id}/replies",
    response={201: OutgoingOut, **ERRORS},
    summary="Reply in a conversation",
)
def create_reply(
    request: HttpRequest, conversation_id: int, payload: ReplyIn
) -> Status[OutgoingMessage]:
    user = _user(request)
    conversation = get_conversation_for_user(user, conversation_id)
    if payload.kind not in {Kind.REPLY, Kind.REPLY_ALL, Kind.FORWARD}:
        raise HttpError(422, "kind must be reply, reply_all or forward.")
    with answers(InvalidAddressError, ComposeError, forbidden=FORBIDDEN):
        check_team_access(user, conversation.team_id, write=True)
        parent = None
        if payload.message_id is not None:
            parent = get_message_for_user(user, payload.message_id)
            if parent.conversation_id != conversation.pk:
                raise HttpError(404, "Not Found")
        draft = drafts.start_reply(
            user=user, conversation=conversation, parent=parent, kind=Kind(payload.kind)
        )
        if payload.mailbox_id is not None:
            mailbox = get_sending_mailbox_for_user(user, payload.mailbox_id)
            draft = drafts.update_draft(
                outgoing=draft, changes=drafts.DraftChanges(mailbox=mailbox)
            )
        return Status(201, _fill_and_queue(user, draft, payload))


@router.post("/messages", response={201: OutgoingOut, **ERRORS}, summary="Start a conversation")
def create_message(request: HttpRequest, payload: NewMessageIn) -> Status[OutgoingMessage]:
    user = _user(request)
    with answers(InvalidAddressError, ComposeError, forbidden=FORBIDDEN):
        mailbox = get_sending_mailbox_for_user(user, payload.mailbox_id)
        queue = None
        if payload.queue_id is not None:
            queue = Queue.objects.filter(pk=payload.queue_id, team_id=mailbox.team_id).first()
            if queue is None:
                raise HttpError(422, "The queue must belong to the mailbox's team.")
        draft = drafts.start_new_conversation(user=user, mailbox=mailbox)
        return Status(201, _fill_and_queue(user, draft, payload, queue))


@router.get(
    "/outgoing/{outgoing_id}", response={200: OutgoingOut, **ERRORS}, summary="An outgoing message"
)
def get_outgoing(request: HttpRequest, outgoing_id: int) -> OutgoingMessage:
    return get_outgoing_for_user(_user(request), outgoing_id)


@router.get("/scheduled", response=list[OutgoingOut], summary="Scheduled messages")
def list_scheduled(request: HttpRequest) -> QuerySet[OutgoingMessage]:
    return OutgoingMessage.objects.visible_to(_user(request)).scheduled().order_by("send_at", "pk")


@router.delete(
    "/scheduled/{outgoing_id}", response={204: None, **ERRORS}, summary="Cancel a scheduled message"
)
def cancel_scheduled(request: HttpRequest, outgoing_id: int) -> Status[None]:
    user = _user(request)
    with answers(InvalidAddressError, ComposeError, forbidden=FORBIDDEN):
        outgoing = get_outgoing_for_user(user, outgoing_id, write=True)
        if not outgoing.is_scheduled:
            raise HttpError(404, "Not Found")
        draft = drafts.unschedule(outgoing=outgoing)
        drafts.delete_draft(outgoing=draft)
    return Status(204, None)


@router.get("/templates", response=list[TemplateOut], summary="Canned responses")
def list_templates(request: HttpRequest) -> QuerySet[ResponseTemplate]:
    return ResponseTemplate.objects.usable_by(_user(request)).order_by("name", "pk")
