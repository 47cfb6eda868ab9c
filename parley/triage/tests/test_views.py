"""The triage screens and the "Add customer" panel, for owner, teammate, outsider, reader."""

from __future__ import annotations

import pytest

from parley.contacts.models import Contact, Lead, Organization
from parley.contacts.services import create_contact
from parley.contacts.services.leads import create_lead
from parley.conversations.models import EventKind
from parley.mail.ingest import ingest_raw
from parley.mail.models import MessageSource
from parley.testing import signed_in
from parley.triage.models import State
from parley.triage.runner import catch_up
from parley.triage.services import ignore_email
from parley.triage.tests.support import email, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(mailbox):
    return receive(mailbox, email(sender="Ola Kot <ola@kot.pl>", subject="Wycena dachu"))


# List


def test_the_list_shows_ready_emails_of_the_team(client, bob, row, team_b):
    from parley.mail.tests.support import make_mailbox

    other = receive(make_mailbox(team_b, name="b", email="b@parley.test"), email(subject="Obce"))
    response = signed_in(client, bob).get("/triage/")
    assert response.status_code == 200
    assert "Wycena dachu" in response.text
    assert "ola@kot.pl" in response.text
    assert other.message.subject not in response.text
    assert response.context["ready_count"] == 1


def test_the_outsider_sees_none_of_team_as_emails(client, charlie, row):
    response = signed_in(client, charlie).get("/triage/")
    assert "Wycena dachu" not in response.text
    assert signed_in(client, charlie).get(f"/triage/{row.pk}/").status_code == 404


def test_the_ignored_view_shows_the_reason_and_undo(client, bob, row):
    ignore_email(row=row, actor=bob, reason="Reklama")
    response = signed_in(client, bob).get("/triage/", {"view": "ignored"})
    assert "Reklama" in response.text
    assert f"/triage/{row.pk}/restore/" in response.text


def test_the_list_answers_a_fragment_to_htmx(client, bob, row):
    response = signed_in(client, bob).get("/triage/", {"q": "dach"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "Wycena dachu" in response.text


def test_the_navigation_counts_ready_emails(client, bob, row):
    assert "/triage/count/" in signed_in(client, bob).get("/triage/").text
    response = client.get("/triage/count/")
    assert 'data-testid="nav-triage-count"' in response.text
    assert ">1<" in response.text


def test_the_navigation_count_is_empty_for_an_outsider(client, charlie, row):
    assert "nav-triage-count" not in signed_in(client, charlie).get("/triage/count/").text


def test_the_reader_sees_the_list_without_actions(client, dave, row):
    response = signed_in(client, dave).get("/triage/")
    assert "Wycena dachu" in response.text
    assert f"/triage/{row.pk}/ignore/" not in response.text


# Card and actions


def test_the_card_shows_the_email_and_finds_records(client, bob, row, team_a):
    create_contact(team=team_a, fields={"first_name": "Olga"}, emails=["olga@x.pl"])
    response = signed_in(client, bob).get(f"/triage/{row.pk}/", {"q": "Olga"})
    assert response.status_code == 200
    assert "Olga" in response.text


def test_the_teammate_creates_a_lead(client, bob, row):
    response = signed_in(client, bob).post(f"/triage/{row.pk}/create/", {"name": "Dach"})
    lead = Lead.objects.get(email="ola@kot.pl")
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    row.refresh_from_db()
    assert (row.state, row.lead, lead.name) == (State.LINKED, lead, "Dach")


def test_the_owner_creates_a_contact(client, alice, row):
    signed_in(client, alice).post(f"/triage/{row.pk}/create/", {"kind": "contact"})
    contact = Contact.objects.get(emails__address="ola@kot.pl")
    assert (contact.first_name, contact.last_name) == ("Ola", "Kot")


def test_the_teammate_attaches_to_a_searched_lead(client, bob, row, team_a):
    lead = create_lead(team=team_a, name="Stary lead")
    signed_in(client, bob).post(f"/triage/{row.pk}/link/", {"kind": "lead", "record": lead.pk})
    row.refresh_from_db()
    assert (row.state, row.lead) == (State.LINKED, lead)


def test_attaching_to_another_teams_record_is_a_404(client, bob, row, team_b):
    lead = create_lead(team=team_b, name="Cudzy")
    response = signed_in(client, bob).post(
        f"/triage/{row.pk}/link/", {"kind": "lead", "record": lead.pk}
    )
    assert response.status_code == 404


def test_ignore_and_undo_from_the_list(client, bob, row):
    client.force_login(bob)
    response = client.post(f"/triage/{row.pk}/ignore/", {"reason": "Spam", "next": "list"})
    assert response["Location"] == "/triage/"
    row.refresh_from_db()
    assert (row.state, row.reason) == (State.IGNORED, "Spam")
    client.post(f"/triage/{row.pk}/restore/")
    row.refresh_from_db()
    assert row.state == State.READY


def test_the_reader_may_not_act(client, dave, row):
    response = signed_in(client, dave).post(f"/triage/{row.pk}/ignore/")
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.state == State.READY


def test_the_outsider_may_not_act(client, charlie, row):
    assert signed_in(client, charlie).post(f"/triage/{row.pk}/ignore/").status_code == 404


def test_bulk_ignore_reports_and_skips_other_teams(client, bob, mailbox, row, team_b):
    second = receive(mailbox, email(sender="x@y.pl"))
    data = {"action": "ignore", "ids": [row.pk, second.pk, 999999], "reason": "Masowo"}
    response = signed_in(client, bob).post("/triage/bulk/", data, follow=True)
    assert "2 e-mails done." in response.text
    assert "1 e-mail failed." in response.text
    row.refresh_from_db()
    second.refresh_from_db()
    assert (row.state, second.state, second.reason) == (State.IGNORED, State.IGNORED, "Masowo")


def test_bulk_create_leads(client, alice, row):
    signed_in(client, alice).post("/triage/bulk/", {"action": "lead", "ids": [row.pk]})
    assert Lead.objects.filter(email="ola@kot.pl").exists()


def test_the_reader_bulk_changes_nothing(client, dave, row):
    signed_in(client, dave).post("/triage/bulk/", {"action": "ignore", "ids": [row.pk]})
    row.refresh_from_db()
    assert row.state == State.READY


# Add customer on the conversation page (CR6)


def test_the_conversation_page_offers_add_customer(client, bob, row):
    conversation = row.message.conversation
    response = signed_in(client, bob).get(f"/conversations/{conversation.pk}/")
    assert 'data-testid="add-customer"' in response.text
    assert 'value="Ola"' in response.text


def test_add_customer_creates_person_and_company(client, bob, row):
    conversation = row.message.conversation
    signed_in(client, bob).post(
        f"/conversations/{conversation.pk}/customer/",
        {"action": "new", "kind": "both", "company": "Kot Sp. z o.o."},
    )
    conversation.refresh_from_db()
    contact = Contact.objects.get(emails__address="ola@kot.pl")
    assert conversation.contact == contact
    assert conversation.organization == Organization.objects.get(name="Kot Sp. z o.o.")
    assert contact.organization == conversation.organization
    assert conversation.events.filter(kind=EventKind.LINKED, actor=bob).exists()
    row.refresh_from_db()
    assert (row.state, row.contact) == (State.LINKED, contact)


def test_attach_existing_adds_the_address_and_every_conversation(client, bob, mailbox, team_a):
    first = receive(mailbox, email(sender="ola@kot.pl", subject="Jedno"))
    second = receive(mailbox, email(sender="ola@kot.pl", subject="Drugie zupełnie"))
    olga = create_contact(team=team_a, fields={"first_name": "Olga"}, emails=["olga@kot.pl"])
    conversation = first.message.conversation
    signed_in(client, bob).post(
        f"/conversations/{conversation.pk}/customer/",
        {
            "action": "attach",
            "contact": olga.pk,
            "add_address": "on",
            "all_conversations": "on",
        },
    )
    assert set(olga.emails.values_list("address", flat=True)) == {"olga@kot.pl", "ola@kot.pl"}
    other = second.message.conversation
    other.refresh_from_db()
    conversation.refresh_from_db()
    assert (conversation.contact, other.contact) == (olga, olga)


def test_detach_leaves_a_system_comment(client, bob, row, team_a):
    contact = create_contact(team=team_a, fields={"first_name": "X"})
    conversation = row.message.conversation
    client.force_login(bob)
    client.post(
        f"/conversations/{conversation.pk}/customer/", {"action": "attach", "contact": contact.pk}
    )
    client.post(f"/conversations/{conversation.pk}/customer/", {"action": "detach"})
    conversation.refresh_from_db()
    assert conversation.contact is None
    assert conversation.events.filter(kind=EventKind.LINKED).count() == 2


def test_the_customer_search_answers_contacts_of_the_team(client, bob, row, team_a, team_b):
    create_contact(team=team_a, fields={"first_name": "Olga"})
    create_contact(team=team_b, fields={"first_name": "Olgierd"})
    conversation = row.message.conversation
    response = signed_in(client, bob).get(
        f"/conversations/{conversation.pk}/customer/search/", {"q": "Olg"}
    )
    assert "Olga" in response.text
    assert "Olgierd" not in response.text


def test_the_reader_and_outsider_may_not_add_customers(client, dave, charlie, row):
    conversation = row.message.conversation
    url = f"/conversations/{conversation.pk}/customer/"
    assert signed_in(client, dave).post(url, {"action": "new"}).status_code == 403
    assert signed_in(client, charlie).post(url, {"action": "new"}).status_code == 404
    assert not Contact.objects.exists()


def test_the_card_offers_lead_candidates_and_the_domain_organization(client, bob, mailbox, team_a):
    from parley.contacts.services import create_organization

    create_organization(team=team_a, fields={"name": "Kot SA"}, domains=["kot.pl"])
    create_lead(team=team_a, name="Pierwszy", email="ola@kot.pl")
    create_lead(team=team_a, name="Drugi", email="ola@kot.pl")
    row = receive(mailbox, email(sender="ola@kot.pl"))
    response = signed_in(client, bob).get(f"/triage/{row.pk}/")
    assert "Pierwszy" in response.text
    assert "Drugi" in response.text
    assert "Kot SA" in response.text
    listing = client.get("/triage/")
    assert "Several leads:" in listing.text
    assert "Suggested:" in listing.text


def test_the_card_labels_the_source_of_the_email(client, bob, row, mailbox, assistant):
    imported = ingest_raw(raw=email(subject="Stary"), source=MessageSource.IMPORT, mailbox=mailbox)
    catch_up()
    via_assistant = receive(assistant, email(sender="Ola Kot <ola@kot.pl>", to="x@y.pl"))
    client.force_login(bob)

    def label(triage_id: int) -> str:
        text: str = client.get(f"/triage/{triage_id}/").text
        after = text.partition('data-testid="message-source"')[2]
        return after.partition(">")[2].partition("<")[0]

    assert label(row.pk) == "Inbox"
    assert label(imported.message.triage.pk) == "Import"
    assert label(via_assistant.pk) == "Assistant"


def test_the_conversation_page_labels_the_source_of_each_message(client, bob, row, mailbox):
    conversation = row.message.conversation
    reply = email(subject="Re: Wycena dachu", headers=f"In-Reply-To: <{row.message.message_id}>")
    added = ingest_raw(raw=reply, source=MessageSource.API, mailbox=mailbox).message
    assert added.conversation_id == conversation.pk

    text = signed_in(client, bob).get(f"/conversations/{conversation.pk}/").text

    labels = [
        part.partition(">")[2].partition("<")[0]
        for part in text.split('data-testid="message-source"')[1:]
    ]
    assert labels == ["Inbox", "API"]


def test_the_list_costs_the_same_queries_for_more_rows(client, bob, mailbox, row):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/triage/").status_code == 200
        return len(captured)

    client.force_login(bob)
    few = queries()
    for n in range(5):
        receive(mailbox, email(sender=f"x{n}@y.pl", subject=f"S{n}"))
    assert queries() == few
