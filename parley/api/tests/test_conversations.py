from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.accounts.services import create_api_token
from parley.conversations.models import (
    Category,
    Conversation,
    EventKind,
    Notification,
    Queue,
    Status,
    Tag,
)
from parley.conversations.tests.factories import make_conversation, make_message
from parley.testing import api_call

pytestmark = pytest.mark.django_db

READS = [
    ("get", "/api/v1/conversations/{id}"),
    ("get", "/api/v1/conversations/{id}/messages"),
    ("get", "/api/v1/conversations/{id}/notes"),
]
WRITES = [
    ("patch", "/api/v1/conversations/{id}", {"status": "pending"}),
    ("post", "/api/v1/conversations/{id}/assign", {"user_ids": []}),
    ("post", "/api/v1/conversations/{id}/close", None),
    ("post", "/api/v1/conversations/{id}/reopen", None),
    ("post", "/api/v1/conversations/{id}/snooze", {"until": "2099-01-01T09:00:00Z"}),
    ("post", "/api/v1/conversations/{id}/merge", {"into": 1}),
    ("post", "/api/v1/conversations/{id}/split", {"message_id": 1}),
    ("post", "/api/v1/conversations/{id}/notes", {"body": "hello"}),
]


@pytest.fixture
def order(team_a):
    conversation = make_conversation(team_a, subject="Order 42")
    make_message(conversation, text="Where is my order?")
    make_message(conversation, text="Any news?")
    return conversation


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/conversations"), *READS, *[(m, u) for m, u, _b in WRITES]],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert getattr(client, method)(url.format(id=1)).status_code == 401


@pytest.mark.parametrize(("method", "url", "body"), [*[(m, u, None) for m, u in READS], *WRITES])
def test_an_outsider_gets_404_everywhere(client, charlie, order, method, url, body):  # noqa: PLR0917  # pytest passes fixtures and parameters positionally
    response = api_call(client, method, url.format(id=order.pk), charlie, body)
    assert response.status_code == 404


def test_an_outsider_does_not_see_the_conversation_in_the_list(client, charlie, order):
    body = api_call(client, "get", "/api/v1/conversations?folder=all", charlie).json()
    assert body == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_a_reader_cannot_write(client, dave, order, method, url, body):  # noqa: PLR0917  # pytest passes fixtures and parameters positionally
    response = api_call(client, method, url.format(id=order.pk), dave, body)
    assert response.status_code == 403
    assert Conversation.objects.get(pk=order.pk).status == Status.NEW


@pytest.mark.parametrize(("method", "url"), READS)
def test_a_reader_reads(client, dave, order, method, url):
    assert api_call(client, method, url.format(id=order.pk), dave).status_code == 200


def test_the_list_pages_with_a_cursor_and_filters(client, bob, team_a):
    for n in range(5):
        make_message(make_conversation(team_a, subject=f"Ticket {n}"), text=f"text {n}")
    first = api_call(client, "get", "/api/v1/conversations?limit=3", bob).json()
    assert [c["subject"] for c in first["items"]] == ["Ticket 4", "Ticket 3", "Ticket 2"]
    assert first["items"][0]["snippet"] == "text 4"
    assert first["items"][0]["is_unread"] is True
    url = f"/api/v1/conversations?limit=3&cursor={first['next_cursor']}"
    second = api_call(client, "get", url, bob).json()
    assert [c["subject"] for c in second["items"]] == ["Ticket 1", "Ticket 0"]
    assert second["next_cursor"] is None
    urgent = api_call(client, "get", "/api/v1/conversations?priority=urgent", bob).json()
    assert urgent["items"] == []


def test_the_list_filters_by_assignee_folder(client, bob, alice, team_a, order):
    make_conversation(team_a, subject="Other")
    api_call(
        client, "post", f"/api/v1/conversations/{order.pk}/assign", alice, {"user_ids": [bob.pk]}
    )
    mine = api_call(client, "get", "/api/v1/conversations?folder=mine", bob).json()
    assert [c["id"] for c in mine["items"]] == [order.pk]
    assert mine["items"][0]["assignees"][0]["email"] == "bob@example.com"


def test_the_list_costs_the_same_queries_for_more_rows(
    client, bob, team_a, django_assert_num_queries
):
    for n in range(3):
        make_conversation(team_a, subject=f"T{n}")
    _token, plain = create_api_token(user=bob, name="test")
    headers = {"Authorization": f"Bearer {plain}"}
    # The first call records when the token was last used; later calls skip that write.
    client.get("/api/v1/conversations", headers=headers)
    # Token lookup, the team ids, then rows, assignees, tags.
    with django_assert_num_queries(5):
        client.get("/api/v1/conversations", headers=headers)
    for n in range(10):
        make_conversation(team_a, subject=f"U{n}")
    with django_assert_num_queries(5):
        client.get("/api/v1/conversations", headers=headers)


def test_detail_shows_fields_and_merged_into(client, bob, order, team_a):
    body = api_call(client, "get", f"/api/v1/conversations/{order.pk}", bob).json()
    assert (body["number"], body["message_count"], body["merged_into_id"]) == (
        order.number,
        2,
        None,
    )


def test_patch_changes_each_field_with_a_system_comment(client, bob, order, team_a):
    queue = Queue.objects.create(team=team_a, name="Billing", default_assignee=bob)
    category = Category.objects.create(team=team_a, name="Complaint")
    vip, late = (
        Tag.objects.create(team=team_a, name="vip"),
        Tag.objects.create(team=team_a, name="late"),
    )
    body = {
        "status": "pending",
        "priority": "urgent",
        "category_id": category.pk,
        "queue_id": queue.pk,
        "tag_ids": [vip.pk, late.pk],
    }
    response = api_call(client, "patch", f"/api/v1/conversations/{order.pk}", bob, body)
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["priority"]) == ("pending", "urgent")
    assert (data["queue"]["name"], data["category"]["name"]) == ("Billing", "Complaint")
    assert sorted(t["name"] for t in data["tags"]) == ["late", "vip"]
    assert [a["id"] for a in data["assignees"]] == [bob.pk]
    kinds = set(order.events.values_list("kind", flat=True))
    assert {EventKind.STATUS, EventKind.PRIORITY, EventKind.CATEGORY, EventKind.QUEUE} <= kinds
    cleared = api_call(
        client, "patch", f"/api/v1/conversations/{order.pk}", bob, {"tag_ids": [], "queue_id": None}
    ).json()
    assert (cleared["tags"], cleared["queue"], cleared["assignees"]) == ([], None, [])


def test_patch_refuses_another_teams_category(client, bob, order, team_b):
    other = Category.objects.create(team=team_b, name="Theirs")
    body = {"category_id": other.pk}
    response = api_call(client, "patch", f"/api/v1/conversations/{order.pk}", bob, body)
    assert response.status_code == 422


def test_assign_replaces_assignees_and_refuses_outsiders(client, alice, bob, charlie, order):
    url = f"/api/v1/conversations/{order.pk}/assign"
    assert api_call(client, "post", url, alice, {"user_ids": [bob.pk]}).status_code == 200
    assert Notification.objects.filter(user=bob, conversation=order).exists()
    refused = api_call(client, "post", url, alice, {"user_ids": [charlie.pk]})
    assert refused.status_code == 422
    assert "Charlie" in refused.json()["detail"] or "charlie" in refused.json()["detail"]
    assert list(order.assignees.all()) == [bob]


def test_close_then_reopen_and_refuse_twice(client, bob, order):
    close = f"/api/v1/conversations/{order.pk}/close"
    reopen = f"/api/v1/conversations/{order.pk}/reopen"
    assert api_call(client, "post", close, bob).json()["status"] == "closed"
    assert api_call(client, "post", close, bob).status_code == 422
    assert api_call(client, "post", reopen, bob).json()["status"] == "open"
    assert api_call(client, "post", reopen, bob).status_code == 422


def test_snooze_hides_until_a_future_time(client, bob, order):
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    url = f"/api/v1/conversations/{order.pk}/snooze"
    data = api_call(client, "post", url, bob, {"until": until, "note": "call back"}).json()
    assert (data["snooze_note"], data["snoozed_until"] is not None) == ("call back", True)
    listed = api_call(client, "get", "/api/v1/conversations?folder=snoozed", bob).json()
    assert [c["id"] for c in listed["items"]] == [order.pk]
    past = {"until": "2020-01-01T00:00:00Z"}
    assert api_call(client, "post", url, bob, past).status_code == 422


def test_merge_moves_messages_and_redirects(client, bob, order, team_a):
    other = make_conversation(team_a, subject="Order 42 again")
    make_message(other, text="Hello again")
    url = f"/api/v1/conversations/{other.pk}/merge"
    response = api_call(client, "post", url, bob, {"into": order.pk})
    assert response.status_code == 200
    assert response.json()["message_count"] == 3
    merged = api_call(client, "get", f"/api/v1/conversations/{other.pk}", bob).json()
    assert (merged["merged_into_id"], merged["status"]) == (order.pk, "closed")
    itself = api_call(
        client, "post", f"/api/v1/conversations/{order.pk}/merge", bob, {"into": order.pk}
    )
    assert itself.status_code == 422


def test_merge_into_another_teams_conversation_is_404(client, bob, order, team_b):
    theirs = make_conversation(team_b, subject="Theirs")
    url = f"/api/v1/conversations/{order.pk}/merge"
    assert api_call(client, "post", url, bob, {"into": theirs.pk}).status_code == 404


def test_split_moves_a_message_to_a_new_conversation(client, bob, order):
    message = order.messages.order_by("date").last()
    url = f"/api/v1/conversations/{order.pk}/split"
    response = api_call(client, "post", url, bob, {"message_id": message.pk})
    assert response.status_code == 201
    new = response.json()
    assert (new["status"], new["subject"], new["message_count"]) == ("new", "Order 42", 1)
    again = api_call(
        client, "post", f"/api/v1/conversations/{new['id']}/split", bob, {"message_id": message.pk}
    )
    assert again.status_code == 422
    wrong = api_call(client, "post", url, bob, {"message_id": message.pk})
    assert wrong.status_code == 404


def test_messages_are_listed_oldest_first(client, dave, order):
    body = api_call(client, "get", f"/api/v1/conversations/{order.pk}/messages", dave).json()
    assert [m["text"] for m in body] == ["Where is my order?", "Any news?"]


def test_notes_are_added_and_listed_and_mentions_notify(client, alice, bob, order):
    url = f"/api/v1/conversations/{order.pk}/notes"
    created = api_call(client, "post", url, alice, {"body": "@bob please call him"})
    assert created.status_code == 201
    assert created.json()["author_id"] == alice.pk
    assert [n["body"] for n in api_call(client, "get", url, bob).json()] == ["@bob please call him"]
    assert Notification.objects.filter(user=bob, kind="mention").count() == 1
    assert api_call(client, "post", url, alice, {"body": "   "}).status_code == 422
