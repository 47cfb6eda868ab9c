"""The Calls panel of a conversation page: linked calls, the picker and link/unlink."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parley.calls.models import Direction
from parley.calls.services.calls import set_call_conversation
from parley.calls.tests.factories import CallFactory
from parley.conversations.models import ConversationEvent, EventKind
from parley.conversations.services.records import attach_customer
from parley.conversations.tests.factories import make_conversation
from parley.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(team_a, jan):
    item = make_conversation(team_a, subject="Invoice question")
    attach_customer(conversation=item, contact=jan, actor=None)
    return item


@pytest.fixture
def jan_call(team_a, bob):
    """Jan (+48 601 234 567, the factory's number) called today; Bob answered."""
    return CallFactory.create(team=team_a, agent=bob, duration=125)


def _page(client, conversation):
    return client.get(reverse("web:conversation", args=[conversation.pk]))


def _link(client, conversation, call):
    url = reverse("web:conversation_call_link", args=[conversation.pk])
    return client.post(url, {"call": call.pk})


def _unlink(client, conversation, call):
    url = reverse("web:conversation_call_unlink", args=[conversation.pk, call.pk])
    return client.post(url)


def _offered(response):
    return [call.pk for call, _today in response.context["linkable_calls"]]


# The picker


def test_the_picker_offers_the_customers_calls_and_unlinked_ones_newest_first(
    client, bob, team_a, conversation, jan_call
):
    now = timezone.now()
    other = make_conversation(team_a, subject="Other")
    yesterday = CallFactory.create(team=team_a, started_at=now - timedelta(days=1))
    set_call_conversation(call=yesterday, conversation=other)  # Jan's number: still offered
    stranger_unlinked = CallFactory.create(
        team=team_a, from_raw="22 1", from_e164="+48221111111", started_at=now - timedelta(hours=2)
    )
    stranger_linked = CallFactory.create(team=team_a, from_raw="22 2", from_e164="+48222222222")
    set_call_conversation(call=stranger_linked, conversation=other)
    old = CallFactory.create(team=team_a, started_at=now - timedelta(days=8))
    outgoing = CallFactory.create(
        team=team_a,
        direction=Direction.OUTBOUND,
        from_raw="100",
        from_e164="",
        to_raw="601 234 567",
        to_e164="+48601234567",
        started_at=now - timedelta(hours=1),
    )
    response = _page(signed_in(client, bob), conversation)
    assert _offered(response) == [jan_call.pk, outgoing.pk, stranger_unlinked.pk, yesterday.pk]
    assert old.pk not in _offered(response)
    assert "now on #" in response.text
    today = {call.pk: is_today for call, is_today in response.context["linkable_calls"]}
    assert today[jan_call.pk] is True
    assert today[yesterday.pk] is False


def test_the_picker_never_offers_calls_of_another_team(client, alice, team_b, conversation):
    CallFactory.create(team=team_b)  # Jan's number, but team B's phone system
    assert _offered(_page(signed_in(client, alice), conversation)) == []


def test_without_a_customer_only_unlinked_calls_are_offered(client, bob, team_a, jan_call):
    bare = make_conversation(team_a, subject="No customer")
    elsewhere = CallFactory.create(team=team_a, from_raw="22 3", from_e164="+48223333333")
    set_call_conversation(call=elsewhere, conversation=make_conversation(team_a))
    assert _offered(_page(signed_in(client, bob), bare)) == [jan_call.pk]


# Link and unlink


def test_the_owner_links_and_unlinks_a_call_with_system_comments(
    client, bob, conversation, jan_call
):
    client.force_login(bob)
    response = _link(client, conversation, jan_call)
    assert response.status_code == 302
    jan_call.refresh_from_db()
    assert jan_call.conversation_id == conversation.pk
    page = _page(client, conversation)
    assert [call.pk for call in page.context["linked_calls"]] == [jan_call.pk]
    assert f'href="/calls/{jan_call.pk}/"' in page.text
    assert "2:05" in page.text
    assert "Bob" in page.text
    assert jan_call.pk not in _offered(page)

    _unlink(client, conversation, jan_call)
    jan_call.refresh_from_db()
    assert jan_call.conversation_id is None
    events = ConversationEvent.objects.filter(conversation=conversation).order_by("pk")
    kinds = [(e.kind, e.actor_id, e.data.get("call")) for e in events if "call" in e.kind]
    assert kinds == [
        (EventKind.CALL_LINKED, bob.pk, jan_call.pk),
        (EventKind.CALL_UNLINKED, bob.pk, jan_call.pk),
    ]
    assert "call unlinked" in _page(client, conversation).text


def test_moving_a_call_comments_on_both_conversations(
    client, alice, team_a, conversation, jan_call
):
    first = make_conversation(team_a, subject="First")
    set_call_conversation(call=jan_call, conversation=first, actor=alice)
    _link(signed_in(client, alice), conversation, jan_call)
    assert first.events.filter(kind=EventKind.CALL_UNLINKED).count() == 1
    assert conversation.events.filter(kind=EventKind.CALL_LINKED).count() == 1


def test_the_call_cards_link_leaves_the_same_system_comment(client, bob, conversation, jan_call):
    url = reverse("web:call_conversation", args=[jan_call.pk])
    signed_in(client, bob).post(url, {"conversation": conversation.pk})
    [event] = conversation.events.filter(kind=EventKind.CALL_LINKED)
    assert event.actor == bob
    assert event.data["number"] == "+48 601 234 567"


def test_a_teammate_may_link_a_call_of_the_team(client, alice, conversation, jan_call):
    _link(signed_in(client, alice), conversation, jan_call)
    jan_call.refresh_from_db()
    assert jan_call.conversation_id == conversation.pk


def test_an_outsider_gets_404_for_the_panel_and_the_actions(
    client, charlie, conversation, jan_call
):
    client.force_login(charlie)
    assert _page(client, conversation).status_code == 404
    assert _link(client, conversation, jan_call).status_code == 404
    assert _unlink(client, conversation, jan_call).status_code == 404
    jan_call.refresh_from_db()
    assert jan_call.conversation_id is None


def test_a_call_of_another_team_cannot_be_linked(client, alice, team_b, conversation):
    # Alice is an admin of team A only; the call is team B's: not found for her.
    theirs = CallFactory.create(team=team_b)
    assert _link(signed_in(client, alice), conversation, theirs).status_code == 404
    theirs.refresh_from_db()
    assert theirs.conversation_id is None


def test_a_reader_sees_the_panel_without_controls_and_may_not_link(
    client, bob, dave, conversation, jan_call
):
    set_call_conversation(call=jan_call, conversation=conversation, actor=bob)
    client.force_login(dave)
    page = _page(client, conversation)
    assert 'data-testid="calls-panel"' in page.text
    assert 'data-testid="linked-call"' in page.text
    assert 'data-testid="link-call-form"' not in page.text
    assert 'data-testid="unlink-call"' not in page.text
    assert _unlink(client, conversation, jan_call).status_code == 403
    other = CallFactory.create(team=jan_call.team, from_raw="22 4", from_e164="+48224444444")
    assert _link(client, conversation, other).status_code == 403
    jan_call.refresh_from_db()
    other.refresh_from_db()
    assert jan_call.conversation_id == conversation.pk
    assert other.conversation_id is None


def test_unlinking_a_call_of_another_conversation_changes_nothing(
    client, bob, team_a, conversation, jan_call
):
    other = make_conversation(team_a, subject="Other")
    set_call_conversation(call=jan_call, conversation=other, actor=bob)
    _unlink(signed_in(client, bob), conversation, jan_call)
    jan_call.refresh_from_db()
    assert jan_call.conversation_id == other.pk


def test_the_panel_reads_a_fixed_number_of_queries(client, bob, team_a, conversation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert _page(client, conversation).status_code == 200
        return len(queries)

    client.force_login(bob)
    CallFactory.create(team=team_a, agent=bob)  # one call in the picker
    first = count()
    for n in range(5):
        call = CallFactory.create(team=team_a, agent=bob, from_raw=f"22 {n}")
        set_call_conversation(call=call, conversation=conversation, actor=bob)
        CallFactory.create(team=team_a, agent=bob)
    assert count() == first
