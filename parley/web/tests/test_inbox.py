from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.contacts.models import Contact, Organization
from parley.conversations.models import Conversation, Queue, Status, Tag
from parley.conversations.services.records import mark_read
from parley.conversations.services.workflow import (
    change_tags,
    close_conversations,
    set_assignees,
    snooze_conversations,
)
from parley.conversations.tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversations(team_a):
    return [make_conversation(team_a, f"Subject {i}") for i in range(3)]


def rows(response):
    return response.text.count('data-testid="inbox-row"')


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_team_members_and_readers_see_the_inbox(client, request, conversations, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get("/inbox/")

    assert response.status_code == 200
    assert rows(response) == 3
    assert "Subject 1" in response.text


def test_an_outsider_sees_none_of_team_a(client, charlie, conversations):
    client.force_login(charlie)

    response = client.get("/inbox/")

    assert response.status_code == 200
    assert rows(response) == 0
    assert "Subject 1" not in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ["/inbox/", "/inbox/poll/"]:
        assert client.get(url).status_code == 302
    assert client.post("/inbox/bulk/").status_code == 302


def test_readers_get_no_bulk_bar(client, dave, conversations):
    client.force_login(dave)

    response = client.get("/inbox/")

    assert 'data-testid="bulk-bar"' not in response.text


def test_folders_filter_and_count(client, alice, bob, team_a, conversations):
    first, second, third = conversations
    set_assignees(actor=alice, conversations=[first], users=[bob])
    close_conversations(actor=alice, conversations=[second])
    snooze_conversations(
        actor=alice, conversations=[third], until=timezone.now() + timedelta(days=1)
    )
    client.force_login(bob)

    assert rows(client.get("/inbox/?folder=open")) == 1
    assert rows(client.get("/inbox/?folder=mine")) == 1
    assert rows(client.get("/inbox/?folder=unassigned")) == 0
    assert rows(client.get("/inbox/?folder=closed")) == 1
    response = client.get("/inbox/?folder=snoozed")
    assert rows(response) == 1
    assert response.context["counts"].closed == 1
    assert response.context["counts"].mine == 1


def test_filters_by_tag_queue_priority_and_attachments(client, alice, team_a, conversations):
    vip = Tag.objects.create(team=team_a, name="vip")
    change_tags(actor=alice, conversations=conversations[:2], add=[vip])
    make_message(conversations[0], has_attachments=True)
    client.force_login(alice)

    assert rows(client.get(f"/inbox/?tag={vip.pk}")) == 2
    assert rows(client.get("/inbox/?attachments=1")) == 1
    assert rows(client.get("/inbox/?priority=urgent")) == 0
    queue = Queue.objects.create(team=team_a, name="Sales")
    assert rows(client.get(f"/inbox/?queue={queue.pk}")) == 0


def test_unread_rows_are_bold_until_read(client, bob, conversations):
    client.force_login(bob)
    for conversation in conversations[1:]:
        mark_read(user=bob, conversation=conversation)

    response = client.get("/inbox/")

    unread = [row for row in response.context["page"].rows if row.is_unread]
    assert [row.pk for row in unread] == [conversations[0].pk]
    assert response.text.count('class="unread') == 1


def test_keyset_pages_walk_every_conversation_once(client, alice, team_a, settings):
    made = [make_conversation(team_a, f"Bulk {i}") for i in range(7)]
    # Two share a timestamp: the id breaks the tie.
    Conversation.objects.filter(pk__in=[made[2].pk, made[3].pk]).update(
        last_activity_at=made[2].last_activity_at
    )
    client.force_login(alice)
    from parley.conversations import inbox

    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        page = inbox.inbox_page(alice, inbox.InboxFilters(), cursor=cursor, size=3)
        seen += [row.pk for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(c.pk for c in made)
    assert len(seen) == len(set(seen))
    response = client.get(f"/inbox/?cursor={inbox.encode_cursor(made[-1], inbox.Sort.ACTIVITY)}")
    assert rows(response) == 6


def test_the_next_link_and_the_poll_url_carry_their_parameters(client, alice, team_a):
    import html
    import re

    made = [make_conversation(team_a, f"Paged {i}") for i in range(52)]
    client.force_login(alice)

    first = client.get("/inbox/?folder=open")
    next_link = re.search(r'href="([^"]*)" rel="next"', first.text)
    poll_link = re.search(r'hx-get="(/inbox/poll/[^"]*)"', first.text)
    assert next_link
    assert poll_link
    next_href = html.unescape(next_link.group(1))
    second = client.get(f"/inbox/{next_href}")
    poll = html.unescape(poll_link.group(1))

    assert next_href.startswith("?folder=open&cursor=")
    assert [r.pk for r in second.context["page"].rows] == [made[1].pk, made[0].pk]
    assert poll.startswith("/inbox/poll/?folder=open&since=")
    assert 'data-new-count="0"' in client.get(poll).text
    make_message(made[5])
    assert 'data-new-count="1"' in client.get(poll).text


def test_the_inbox_has_a_constant_number_of_queries(
    client, alice, bob, team_a, django_assert_num_queries
):
    vip = Tag.objects.create(team=team_a, name="vip")
    Queue.objects.create(team=team_a, name="Sales")
    client.force_login(alice)

    def fill(n):
        made = [make_conversation(team_a, f"S{n}-{i}") for i in range(n)]
        for conversation in made:
            make_message(conversation)
        set_assignees(actor=alice, conversations=made, users=[alice, bob])
        change_tags(actor=alice, conversations=made, add=[vip])

    fill(2)
    with django_assert_num_queries(15, info="inbox") as small:
        client.get("/inbox/")
    fill(20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/inbox/")
    assert rows(response) == 22


def test_a_filtered_inbox_has_a_constant_number_of_queries(
    client, alice, bob, team_a, django_assert_num_queries
):
    vip = Tag.objects.create(team=team_a, name="vip")
    sales = Queue.objects.create(team=team_a, name="Sales")
    client.force_login(alice)
    url = (
        f"/inbox/?folder=open&queue={sales.pk}&priority=normal&assignee={bob.pk}&tag={vip.pk}"
        "&attachments=1&from=2000-01-01&to=2999-12-31&sort=activity_asc"
    )

    def fill(n):
        made = [make_conversation(team_a, f"F{n}-{i}", queue=sales) for i in range(n)]
        for conversation in made:
            make_message(conversation, has_attachments=True)
        set_assignees(actor=alice, conversations=made, users=[alice, bob])
        change_tags(actor=alice, conversations=made, add=[vip])
        make_conversation(team_a, f"Elsewhere {n}")  # in no queue: filtered out

    fill(2)
    with django_assert_num_queries(15, info="filtered inbox") as small:
        first = client.get(url)
    assert rows(first) == 2
    fill(20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert rows(response) == 22


def test_more_queues_and_mailboxes_add_no_query(client, alice, team_a, django_assert_num_queries):
    from parley.mail.tests.support import make_mailbox

    make_conversation(team_a, "One")
    client.force_login(alice)
    Queue.objects.create(team=team_a, name="Sales")
    make_mailbox(team_a)
    with django_assert_num_queries(15, info="inbox, one queue and mailbox"):
        client.get("/inbox/")
    for k in range(5):
        Queue.objects.create(team=team_a, name=f"Queue {k}")
        make_mailbox(team_a, name=f"box{k}", email=f"box{k}@parley.test")
    with django_assert_num_queries(15, info="inbox, six queues and mailboxes"):
        response = client.get("/inbox/")
    assert len(response.context["counts"].queues) == 6
    assert len(response.context["counts"].mailboxes) == 6


def test_queue_and_mailbox_counts_are_open_conversations(client, alice, bob, team_a, team_b):
    from parley.mail.tests.support import make_mailbox

    sales = Queue.objects.create(team=team_a, name="Sales")
    box = make_mailbox(team_a)
    _first, second, third, _fourth = [
        make_conversation(team_a, f"Q{i}", queue=sales, mailbox=box) for i in range(4)
    ]
    close_conversations(actor=alice, conversations=[second])
    snooze_conversations(
        actor=alice, conversations=[third], until=timezone.now() + timedelta(days=1)
    )
    make_conversation(team_a, "No queue")
    other = Queue.objects.create(team=team_b, name="Other")
    make_conversation(team_b, "Not ours", queue=other)
    client.force_login(bob)

    counts = client.get("/inbox/").context["counts"]

    assert [(q.name, q.open_count) for q in counts.queues] == [("Sales", 2)]
    assert [(m.pk, m.open_count) for m in counts.mailboxes] == [(box.pk, 2)]
    assert (counts.open, counts.snoozed, counts.closed, counts.unassigned) == (3, 1, 1, 3)


def test_the_conversation_page_has_a_constant_number_of_queries(
    client, alice, bob, team_a, django_assert_max_num_queries
):
    from parley.conversations.services.records import add_note

    conversation = make_conversation(team_a, "Long thread")
    client.force_login(bob)

    def grow(n):
        for i in range(n):
            make_message(conversation, text=f"Message {n}-{i}", has_attachments=i % 2 == 0)
            add_note(actor=alice, conversation=conversation, body=f"Note {n}-{i}")
        set_assignees(actor=alice, conversations=[conversation], users=[alice, bob])

    grow(2)
    client.get(f"/conversations/{conversation.pk}/")  # the first visit marks it read
    with django_assert_max_num_queries(40, info="conversation") as small:
        client.get(f"/conversations/{conversation.pk}/")
        performed = len(small)
    assert performed > 10
    grow(20)
    client.get(f"/conversations/{conversation.pk}/")
    with django_assert_max_num_queries(performed, info="ten times the messages") as large:
        response = client.get(f"/conversations/{conversation.pk}/")
        assert len(large) == performed
    assert response.text.count("Message 20-") == 20


def test_the_poll_reports_new_activity_since_the_page(client, alice, team_a, conversations):
    client.force_login(alice)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = client.get("/inbox/poll/", {"since": since, "folder": "open"})
    later = client.get("/inbox/poll/", {"since": timezone.now().isoformat()})

    assert 'data-new-count="3"' in response.text
    assert 'data-new-count="0"' in later.text


def test_bulk_close_reports_each_conversation(client, alice, conversations):
    client.force_login(alice)
    ids = [c.pk for c in conversations]
    close_conversations(actor=alice, conversations=conversations[:1])

    response = client.post(
        "/inbox/bulk/", {"action": "close", "ids": ids}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "inboxChanged"
    assert "2 conversation(s) changed." in response.text
    assert f"#{conversations[0].number}" in response.text
    assert all(c.status == Status.CLOSED for c in Conversation.objects.filter(pk__in=ids))


def test_bulk_assign_by_a_reader_is_refused(client, dave, bob, conversations):
    client.force_login(dave)

    response = client.post(
        "/inbox/bulk/",
        {"action": "assign", "ids": [conversations[0].pk], "users": [bob.pk]},
        headers={"HX-Request": "true"},
    )

    assert "0 conversation(s) changed." in response.text
    assert not conversations[0].assignees.exists()


def test_bulk_actions_ignore_conversations_of_other_teams(client, charlie, conversations):
    client.force_login(charlie)

    response = client.post("/inbox/bulk/", {"action": "close", "ids": [conversations[0].pk]})

    assert response.status_code == 302
    assert Conversation.objects.get(pk=conversations[0].pk).status == Status.NEW


def test_bulk_snooze_without_a_time_asks_for_one(client, alice, conversations):
    client.force_login(alice)

    response = client.post(
        "/inbox/bulk/",
        {"action": "snooze", "ids": [conversations[0].pk]},
        headers={"HX-Request": "true"},
    )

    assert "Choose when" in response.text


def test_folder_counts_stop_at_the_cap(client, bob, team_a, conversations, monkeypatch):
    from parley.conversations import inbox as inbox_queries

    monkeypatch.setattr(inbox_queries, "COUNT_CAP", 2)
    client.force_login(bob)

    response = client.get("/inbox/")

    assert '<span class="badge">2+</span>' in response.text
    assert rows(response) == 3


def test_queue_counts_stop_at_the_cap(client, bob, team_a, monkeypatch):
    from parley.conversations import inbox as inbox_queries

    sales = Queue.objects.create(team=team_a, name="Sales")
    for i in range(3):
        make_conversation(team_a, f"Sale {i}", queue=sales)
    monkeypatch.setattr(inbox_queries, "COUNT_CAP", 2)
    client.force_login(bob)

    response = client.get("/inbox/")

    assert 'Sales <span class="badge">2+</span>' in response.text


def test_bulk_result_lists_every_conversation(client, alice, dave, team_a, conversations):
    from parley.accounts.models import Role
    from parley.accounts.services import create_team, set_membership

    other = create_team(name="Team R")
    set_membership(user=alice, team=other, role=Role.READER)
    theirs = make_conversation(other, "Read only")
    client.force_login(alice)

    response = client.post(
        "/inbox/bulk/",
        {"action": "close", "ids": [conversations[0].pk, theirs.pk]},
        headers={"HX-Request": "true"},
    )

    outcomes = response.text.split('data-testid="bulk-outcome"')[1:]
    assert len(outcomes) == 2
    assert f"#{conversations[0].number} — done" in response.text
    assert f"#{theirs.number} — refused: You may only read" in response.text


def test_the_sidebar_refreshes_its_counts_alone(client, bob, team_a, conversations):
    client.force_login(bob)

    response = client.get(
        "/inbox/?folder=open",
        headers={"HX-Request": "true", "HX-Target": "inbox-folders"},
    )
    close_conversations(actor=bob, conversations=conversations[:1])
    later = client.get(
        "/inbox/?folder=open",
        headers={"HX-Request": "true", "HX-Target": "inbox-folders"},
    )

    assert response.text.lstrip().startswith('<nav id="inbox-folders"')
    assert 'data-testid="inbox-row"' not in response.text
    assert response.context["counts"].open == 3
    assert later.context["counts"].open == 2
    page = client.get("/inbox/").text
    assert 'hx-trigger="every 30s' in page
    # The triage folders of the CRM issue, their Ready count loaded by htmx (no query here).
    assert 'href="/triage/?view=ready"' in page
    assert 'href="/triage/?view=ignored"' in page


def test_filter_by_contact_and_organization(client, alice, team_a, conversations):
    from parley.contacts.models import Contact, Organization
    from parley.conversations.services.records import link_contact

    acme = Organization.objects.create(team=team_a, name="Acme")
    jan = Contact.objects.create(
        team=team_a, first_name="Jan", last_name="Nowak", organization=acme
    )
    link_contact(actor=alice, conversation=conversations[0], contact=jan)
    client.force_login(alice)

    everything = client.get("/inbox/")
    by_contact = client.get(f"/inbox/?contact={jan.pk}")
    by_organization = client.get(f"/inbox/?organization={acme.pk}")

    assert f'contact={jan.pk}"' in everything.text  # the customer column links to the filter
    assert "Jan Nowak" in everything.text
    assert "Acme" in everything.text
    assert rows(by_contact) == 1
    assert 'data-testid="contact-filter"' in by_contact.text
    assert "Show all contacts" in by_contact.text
    assert rows(by_organization) == 1
    assert 'data-testid="organization-filter"' in by_organization.text


def chip(response, kind: str) -> str:
    """The text of the active-filter chip `kind` (contact or organization)."""
    text: str = response.text
    start = text.index(f'data-testid="{kind}-filter"')
    return text[start : text.index("</p>", start)]


def test_a_filter_with_no_conversations_still_names_its_contact_and_organization(
    client, bob, team_a, conversations
):
    acme = Organization.objects.create(team=team_a, name="Acme")
    jan = Contact.objects.create(
        team=team_a, first_name="Jan", last_name="Nowak", organization=acme
    )
    client.force_login(bob)

    by_contact = client.get(f"/inbox/?contact={jan.pk}")
    by_organization = client.get(f"/inbox/?organization={acme.pk}")

    assert rows(by_contact) == rows(by_organization) == 0
    assert "<strong>Jan Nowak</strong>" in chip(by_contact, "contact")
    assert "<strong>Acme</strong>" in chip(by_organization, "organization")


def test_a_filter_on_another_teams_records_names_nothing(client, alice, team_b, conversations):
    umbrella = Organization.objects.create(team=team_b, name="Umbrella Corp")
    wesker = Contact.objects.create(team=team_b, first_name="Albert", last_name="Wesker")
    client.force_login(alice)

    response = client.get(f"/inbox/?contact={wesker.pk}&organization={umbrella.pk}")

    assert rows(response) == 0
    assert "this contact" in chip(response, "contact")
    assert "this organization" in chip(response, "organization")
    assert "Wesker" not in response.text
    assert "Umbrella" not in response.text
