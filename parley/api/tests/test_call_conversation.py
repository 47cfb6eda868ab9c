"""POST/DELETE /api/v1/calls/{id}/conversation: link a call to a conversation and unlink it,
with the Calls panel's system comments; owner, teammate, reader and outsider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from parley.accounts.models import Role
from parley.accounts.services import set_membership
from parley.calls.models import Call
from parley.calls.services.calls import set_call_conversation
from parley.calls.tests.factories import CallFactory
from parley.conversations.models import Conversation, ConversationEvent, EventKind
from parley.conversations.tests.factories import make_conversation
from parley.testing import api_call

if TYPE_CHECKING:
    from django.test import Client

    from parley.accounts.models import Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(team_a: Team) -> Conversation:
    return make_conversation(team_a, subject="Invoice question")


@pytest.fixture
def call(team_a: Team, bob: User) -> Call:
    return CallFactory.create(team=team_a, agent=bob)


def _url(call: Call | int) -> str:
    return f"/api/v1/calls/{call if isinstance(call, int) else call.pk}/conversation"


def _link(client: Client, user: User, call: Call, conversation: Conversation) -> Any:
    return api_call(client, "post", _url(call), user, {"conversation_id": conversation.pk})


def _unlink(client: Client, user: User, call: Call) -> Any:
    return api_call(client, "delete", _url(call), user)


def _events(conversation: Conversation) -> list[tuple[str, int | None, int]]:
    return [
        (event.kind, event.actor_id, event.data["call"])
        for event in ConversationEvent.objects.filter(
            conversation=conversation, kind__in=[EventKind.CALL_LINKED, EventKind.CALL_UNLINKED]
        ).order_by("pk")
    ]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_it_needs_a_token(client: Client, method: str) -> None:
    assert api_call(client, method, _url(1), body={"conversation_id": 1}).status_code == 401


def test_the_owner_links_and_unlinks_with_system_comments(
    client: Client, bob: User, call: Call, conversation: Conversation
) -> None:
    linked = _link(client, bob, call, conversation)
    assert linked.status_code == 200
    assert linked.json()["conversation_id"] == conversation.pk
    unlinked = _unlink(client, bob, call)
    assert unlinked.status_code == 200
    assert unlinked.json()["conversation_id"] is None
    assert Call.objects.get(pk=call.pk).conversation_id is None
    assert _events(conversation) == [
        (EventKind.CALL_LINKED, bob.pk, call.pk),
        (EventKind.CALL_UNLINKED, bob.pk, call.pk),
    ]


def test_a_teammate_links_a_call_of_the_team(
    client: Client, alice: User, call: Call, conversation: Conversation
) -> None:
    assert _link(client, alice, call, conversation).status_code == 200
    assert _events(conversation) == [(EventKind.CALL_LINKED, alice.pk, call.pk)]


def test_linking_twice_is_idempotent(
    client: Client, bob: User, call: Call, conversation: Conversation
) -> None:
    first = _link(client, bob, call, conversation)
    second = _link(client, bob, call, conversation)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["conversation_id"] == conversation.pk
    assert len(_events(conversation)) == 1


def test_unlinking_a_call_without_a_conversation_changes_nothing(
    client: Client, bob: User, call: Call, conversation: Conversation
) -> None:
    response = _unlink(client, bob, call)
    assert (response.status_code, response.json()["conversation_id"]) == (200, None)
    assert not ConversationEvent.objects.filter(kind=EventKind.CALL_UNLINKED).exists()


def test_linking_to_another_conversation_moves_the_call(
    client: Client, bob: User, team_a: Team, call: Call, conversation: Conversation
) -> None:
    first = make_conversation(team_a, subject="First")
    set_call_conversation(call=call, conversation=first, actor=bob)
    assert _link(client, bob, call, conversation).status_code == 200
    assert _events(first) == [
        (EventKind.CALL_LINKED, bob.pk, call.pk),
        (EventKind.CALL_UNLINKED, bob.pk, call.pk),
    ]
    assert _events(conversation) == [(EventKind.CALL_LINKED, bob.pk, call.pk)]


def test_a_call_of_another_team_is_404(
    client: Client, bob: User, team_b: Team, conversation: Conversation
) -> None:
    theirs = CallFactory.create(team=team_b)
    assert _link(client, bob, theirs, conversation).status_code == 404
    assert _unlink(client, bob, theirs).status_code == 404
    assert _events(conversation) == []


def test_a_conversation_of_another_team_is_404(
    client: Client, bob: User, team_b: Team, call: Call
) -> None:
    theirs = make_conversation(team_b, subject="Theirs")
    assert _link(client, bob, call, theirs).status_code == 404
    assert Call.objects.get(pk=call.pk).conversation_id is None


def test_an_outsider_gets_404(
    client: Client, charlie: User, call: Call, conversation: Conversation
) -> None:
    assert _link(client, charlie, call, conversation).status_code == 404
    assert _unlink(client, charlie, call).status_code == 404


def test_a_reader_gets_403(
    client: Client, bob: User, dave: User, call: Call, conversation: Conversation
) -> None:
    assert _link(client, dave, call, conversation).status_code == 403
    set_call_conversation(call=call, conversation=conversation, actor=bob)
    assert _unlink(client, dave, call).status_code == 403
    assert Call.objects.get(pk=call.pk).conversation_id == conversation.pk
    assert _events(conversation) == [(EventKind.CALL_LINKED, bob.pk, call.pk)]


def test_a_member_of_both_teams_cannot_cross_them(
    client: Client, alice: User, team_b: Team, call: Call
) -> None:
    set_membership(user=alice, team=team_b, role=Role.AGENT)
    theirs = make_conversation(team_b, subject="Theirs")
    response = _link(client, alice, call, theirs)
    assert response.status_code == 422
    assert response.json() == {"detail": "The conversation belongs to another team."}
    assert _events(theirs) == []


def test_a_missing_conversation_id_is_422(client: Client, bob: User, call: Call) -> None:
    assert api_call(client, "post", _url(call), bob, {}).status_code == 422
