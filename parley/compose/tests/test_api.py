"""/api/v1 for composing: replies, new conversations, scheduled messages, templates
(issue 5 part 6), with owner, teammate, outsider, reader and anonymous cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.accounts.services import create_api_token
from parley.compose.models import OutgoingMessage, State
from parley.compose.services.templates import create_template
from parley.compose.tests.support import customer_message, receive
from parley.conversations.models import Queue

pytestmark = pytest.mark.django_db


def call(client, method, url, user=None, body=None):
    kwargs: dict = {}
    if user is not None:
        _token, plain = create_api_token(user=user, name="test")
        kwargs["headers"] = {"Authorization": f"Bearer {plain}"}
    if body is not None:
        kwargs |= {"data": body, "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


@pytest.fixture
def parent(offline_mailbox):
    return receive(offline_mailbox, customer_message(to=offline_mailbox.email))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/conversations/1/replies"),
        ("post", "/api/v1/messages"),
        ("get", "/api/v1/scheduled"),
        ("delete", "/api/v1/scheduled/1"),
        ("get", "/api/v1/outgoing/1"),
        ("get", "/api/v1/templates"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert call(client, method, url).status_code == 401


def test_an_agent_replies_and_the_reply_waits_in_the_outbox(client, bob, parent):
    response = call(
        client,
        "post",
        f"/api/v1/conversations/{parent.conversation_id}/replies",
        bob,
        {"body_html": "<p>Here it is.</p>", "kind": "reply_all", "message_id": parent.pk},
    )

    assert response.status_code == 201
    data = response.json()
    assert data["state"] == "waiting"
    assert data["to"] == ["jan@example.org"]
    assert data["cc"] == ["anna@example.org"]
    assert data["subject"] == "Re: Faktura nr 1 — pytanie"
    assert data["conversation_id"] == parent.conversation_id


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("dave", 403)])
def test_outsiders_and_readers_cannot_reply(client, request, parent, persona, status):
    response = call(
        client,
        "post",
        f"/api/v1/conversations/{parent.conversation_id}/replies",
        request.getfixturevalue(persona),
        {"body_html": "<p>x</p>"},
    )

    assert response.status_code == status
    assert not OutgoingMessage.objects.exists()


def test_a_bad_address_is_a_422_naming_it_and_leaves_nothing(client, bob, parent):
    response = call(
        client,
        "post",
        f"/api/v1/conversations/{parent.conversation_id}/replies",
        bob,
        {"body_html": "<p>x</p>", "cc": ["fine@example.org", "broken@"]},
    )

    assert response.status_code == 422
    assert "broken@" in response.json()["detail"]
    assert not OutgoingMessage.objects.exists()


def test_a_new_conversation_is_opened_with_its_queue(client, bob, offline_mailbox):
    queue = Queue.objects.create(team=offline_mailbox.team, name="Sales")

    response = call(
        client,
        "post",
        "/api/v1/messages",
        bob,
        {
            "mailbox_id": offline_mailbox.pk,
            "queue_id": queue.pk,
            "to": ["jan@example.org"],
            "subject": "Offer",
            "body_html": "<p>Our offer</p>",
        },
    )

    assert response.status_code == 201
    outgoing = OutgoingMessage.objects.get()
    assert outgoing.conversation is not None
    assert outgoing.conversation.queue == queue


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("dave", 403)])
def test_outsiders_and_readers_cannot_start_a_conversation(
    client, request, offline_mailbox, persona, status
):
    response = call(
        client,
        "post",
        "/api/v1/messages",
        request.getfixturevalue(persona),
        {"mailbox_id": offline_mailbox.pk, "to": ["a@b.org"], "subject": "s", "body_html": "b"},
    )

    assert response.status_code == status


def test_scheduled_messages_are_listed_for_the_team_and_cancelled(
    client, request, alice, bob, parent
):
    charlie, dave = request.getfixturevalue("charlie"), request.getfixturevalue("dave")
    at = (timezone.now() + timedelta(days=2)).isoformat()
    created = call(
        client,
        "post",
        f"/api/v1/conversations/{parent.conversation_id}/replies",
        bob,
        {"body_html": "<p>Later</p>", "send_at": at},
    ).json()

    assert [m["id"] for m in call(client, "get", "/api/v1/scheduled", alice).json()] == [
        created["id"]
    ]
    assert call(client, "get", "/api/v1/scheduled", charlie).json() == []
    assert call(client, "delete", f"/api/v1/scheduled/{created['id']}", charlie).status_code == 404
    assert call(client, "delete", f"/api/v1/scheduled/{created['id']}", dave).status_code == 403
    assert OutgoingMessage.objects.get().state == State.WAITING

    assert call(client, "delete", f"/api/v1/scheduled/{created['id']}", alice).status_code == 204
    assert not OutgoingMessage.objects.exists()


def test_templates_are_the_teams_and_the_users_own(client, bob, alice, charlie, team_a):
    create_template(team=team_a, owner=None, name="Shared", subject="", body_html="x")
    create_template(team=team_a, owner=bob, name="Bobs", subject="", body_html="y")

    names = [t["name"] for t in call(client, "get", "/api/v1/templates", bob).json()]

    assert names == ["Bobs", "Shared"]
    assert [t["name"] for t in call(client, "get", "/api/v1/templates", alice).json()] == ["Shared"]
    assert call(client, "get", "/api/v1/templates", charlie).json() == []
