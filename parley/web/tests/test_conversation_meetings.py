"""The Meetings panel of the conversation page: meetings planned from the conversation or with
its customer (the contact, or a contact of its organization), upcoming first, for every team
member, in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.calls.models import Meeting
from parley.calls.services.meetings import MeetingData, create_meeting
from parley.contacts.services import create_contact, create_organization
from parley.conversations.services.records import link_contact
from parley.conversations.tests.factories import make_conversation, make_message
from parley.testing import signed_in

pytestmark = pytest.mark.django_db

# The page's queries with a linked customer: 35 before the panel, one more for the meetings.
PAGE_QUERIES = 36


@pytest.fixture
def acme(team_a):
    return create_organization(team=team_a, fields={"name": "ACME"})


@pytest.fixture
def jan(team_a, acme):
    return create_contact(
        team=team_a, fields={"first_name": "Jan", "last_name": "Kowalski"}, organization=acme
    )


@pytest.fixture
def conversation(team_a, alice, jan):
    conversation = make_conversation(team_a, "Renewal")
    make_message(conversation, text="Call me, please.")
    link_contact(actor=alice, conversation=conversation, contact=jan)
    return conversation


def plan(team, agent, name, *, hours, **links):
    start = timezone.now() + timedelta(hours=hours)
    data = MeetingData(
        name=name,
        window_start=start,
        window_end=start + timedelta(minutes=30),
        agent=agent,
        **links,
    )
    return create_meeting(team=team, actor=agent, data=data)


def page(client, user, conversation):
    response = signed_in(client, user).get(f"/conversations/{conversation.pk}/")
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_members_see_the_linked_meetings_upcoming_first(
    client, request, bob, conversation, persona
):
    team_a, jan = conversation.team, conversation.contact
    anna = create_contact(team=team_a, fields={"first_name": "Anna"}, organization=jan.organization)
    other = create_contact(team=team_a, fields={"first_name": "Piotr"})
    past = plan(team_a, bob, "Last call", hours=-48, contact=jan)
    plan(team_a, bob, "Call with Anna", hours=48, contact=anna)
    plan(team_a, bob, "From the ticket", hours=24, conversation=conversation)
    plan(team_a, bob, "Going on now", hours=-0.25, contact=jan)
    plan(team_a, bob, "Someone else", hours=1, contact=other)

    text = page(client, request.getfixturevalue(persona), conversation)

    names = ["Going on now", "From the ticket", "Call with Anna", "Last call"]
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    assert text.count('data-testid="linked-meeting"') == 4
    assert f'href="/meetings/{past.pk}/"' in text
    assert "Someone else" not in text


def test_a_meeting_of_another_team_is_never_listed(client, bob, charlie, jan, conversation):
    team_b = charlie.memberships.get().team
    theirs = create_contact(team=team_b, fields={"first_name": "Ewa"})
    meeting = plan(team_b, charlie, "Team B secret", hours=2, contact=theirs)
    # The services refuse a contact of another team; the page must not depend on that.
    Meeting.objects.filter(pk=meeting.pk).update(contact=jan, conversation=conversation)

    assert "Team B secret" not in page(client, bob, conversation)
    assert signed_in(client, charlie).get(f"/conversations/{conversation.pk}/").status_code == 404


def test_without_a_customer_only_the_conversations_own_meetings_show(client, team_a, bob, jan):
    conversation = make_conversation(team_a, "No customer yet")
    make_message(conversation, from_address="nobody@example.net")
    plan(team_a, bob, "With Jan", hours=3, contact=jan)

    text = page(client, bob, conversation)
    assert "With Jan" not in text
    assert "No meetings with this customer or from this conversation." in text

    plan(team_a, bob, "Planned here", hours=3, conversation=conversation)
    assert "Planned here" in page(client, bob, conversation)


def test_writers_get_a_plan_link_for_the_customer_and_readers_do_not(
    client, bob, dave, jan, conversation
):
    link = f"/meetings/new/?contact={jan.pk}&amp;conversation={conversation.pk}"
    assert link in page(client, bob, conversation)
    assert link not in page(client, dave, conversation)


def test_the_plan_link_opens_the_form_with_the_customer_and_the_conversation(
    client, bob, charlie, jan, conversation
):
    url = f"/meetings/new/?contact={jan.pk}&conversation={conversation.pk}"
    form = signed_in(client, bob).get(url).context["form"]
    assert form.initial["contact"] == jan
    assert form.initial["conversation"] == conversation
    # Another team's conversation is not found, as everywhere else.
    assert (
        signed_in(client, charlie).get(f"/meetings/new/?conversation={conversation.pk}").status_code
        == 404
    )


def test_the_panel_costs_one_query_whatever_the_number_of_meetings(  # noqa: PLR0917  # pytest passes fixtures positionally
    client, alice, bob, jan, conversation, django_assert_num_queries
):
    team_a = conversation.team
    plan(team_a, bob, "First", hours=1, contact=jan)
    page(client, bob, conversation)  # the first visit marks it read
    with django_assert_num_queries(PAGE_QUERIES, info="one meeting"):
        page(client, bob, conversation)
    for n in range(12):
        agent = alice if n % 2 else bob
        plan(team_a, agent, f"Meeting {n}", hours=n - 6, contact=jan, conversation=conversation)
    with django_assert_num_queries(PAGE_QUERIES, info="thirteen meetings"):
        text = page(client, bob, conversation)
    assert text.count('data-testid="linked-meeting"') == 10
