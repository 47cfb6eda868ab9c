"""/api/v1/calls: record a call from a PBX (idempotent on external_id), list and read calls,
and link a call to a conversation or unlink it.

Members read their teams' calls; agents and above record and link them. A call or a
conversation of another team answers 404. Linking goes through the same service as the
conversation page's Calls panel and the call card, so the conversation gets the same system
comments ("call linked" / "call unlinked").
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from parley.accounts.access import get_team_for_user, team_ids_for_user
from parley.accounts.models import Team, User
from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.api.schemas_calls import CallConversationIn, CallIn, CallOut, CallQuery
from parley.calls.access import get_call_for_user
from parley.calls.exceptions import CallsError
from parley.calls.models import Call, Origin
from parley.calls.providers.generic.payload import EVENT_PHASES
from parley.calls.queries import CallFilters, filter_calls
from parley.calls.services.calls import CallReport, record_call, set_call_conversation
from parley.conversations.access import get_conversation_for_user

router = Router(tags=["calls"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _write_team(user: User, team_id: int | None) -> Team:
    if team_id is None:
        writable = team_ids_for_user(user, write=True)
        if len(writable) != 1:
            raise HttpError(422, "team is required: you can write in several teams or none.")
        team_id = writable.pop()
    with answers():
        return get_team_for_user(user, team_id, write=True)


@router.post(
    "/calls",
    response={200: CallOut, 201: CallOut, **ERRORS},
    summary="Record a call (idempotent on external_id)",
)
def create_call(request: HttpRequest, payload: CallIn) -> Status[Call]:
    """201 with a new call; 200 with the stored one when `external_id` is known already (a
    later `event` of the same call updates its phase, duration and result)."""
    team = _write_team(_user(request), payload.team)
    report = CallReport(
        direction=payload.direction,
        from_number=payload.from_number,
        to_number=payload.to_number,
        started_at=payload.started_at,
        duration=payload.duration,
        result=payload.result,
        phase=EVENT_PHASES[payload.event],
        recording_url=payload.recording_url,
        agent=payload.agent,
        external_id=payload.external_id,
    )
    call, created = record_call(team=team, report=report, origin=Origin.API)
    return Status(201 if created else 200, call)


@router.get("/calls", response=list[CallOut], summary="List calls")
@paginate(LimitOffsetPagination)
def list_calls(request: HttpRequest, query: Query[CallQuery]) -> QuerySet[Call]:
    """Newest first. `triage` is ready, linked or ignored."""
    filters = CallFilters(**query.model_dump())
    calls = filter_calls(Call.objects.visible_to(_user(request)), filters)
    return calls.prefetch_related("candidates", "lead_candidates")


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="A call")
def get_call(request: HttpRequest, call_id: int) -> Call:
    return get_call_for_user(_user(request), call_id)


@router.post(
    "/calls/{call_id}/conversation",
    response={200: CallOut, **ERRORS},
    summary="Link a call to a conversation of its team",
)
def link_call_conversation(request: HttpRequest, call_id: int, payload: CallConversationIn) -> Call:
    """Linking it again to the same conversation changes nothing; linking it to another
    moves it (both conversations get a system comment)."""
    user = _user(request)
    with answers(CallsError):
        call = get_call_for_user(user, call_id, write=True)
        conversation = get_conversation_for_user(user, payload.conversation_id, write=True)
        set_call_conversation(call=call, conversation=conversation, actor=user)
    return call


@router.delete(
    "/calls/{call_id}/conversation",
    response={200: CallOut, **ERRORS},
    summary="Unlink a call from its conversation",
)
def unlink_call_conversation(request: HttpRequest, call_id: int) -> Call:
    """The call stays in the calls list; a call without a conversation is left as it is."""
    user = _user(request)
    with answers(CallsError):
        call = get_call_for_user(user, call_id, write=True)
        set_call_conversation(call=call, conversation=None, actor=user)
    return call
