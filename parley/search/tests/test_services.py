from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from parley.conversations.models import Conversation, Queue, Status
from parley.mail.models import Message
from parley.search.services import search
from parley.search.tests.factories import index, make_contact, make_message, make_organization

pytestmark = pytest.mark.django_db


def titles(results, kind="conversations"):
    for group in results.groups:
        if group.kind == kind:
            return ["".join(text for text, _ in hit.title) for hit in group.hits]
    return []


def test_it_ranks_a_subject_match_above_a_body_match(bob, team_a):
    make_message(team=team_a, subject="Pytanie o dostawę", text="Gdzie jest moja reklamacja?")
    make_message(team=team_a, subject="Reklamacja butów", text="Buty się rozpadły.")
    index()
    assert titles(search(user=bob, q="reklamacja")) == ["Reklamacja butów", "Pytanie o dostawę"]


def test_it_ranks_a_rare_word_match_above_a_common_one(bob, team_a):
    make_message(team=team_a, subject="A", text="zamówienie " * 3)
    make_message(team=team_a, subject="B", text="zamówienie anulowane")
    index()
    assert titles(search(user=bob, q="zamówienie anulowane")) == ["B"]


def test_it_shows_teammates_and_readers_but_never_outsiders(alice, bob, charlie, dave, team_a):
    make_message(team=team_a, subject="Tajna oferta", text="rabat")
    make_contact(team=team_a, first_name="Tajna", last_name="Osoba")
    make_organization(team=team_a, name="Tajna Spółka")
    index()
    for user in (alice, bob, dave):
        results = search(user=user, q="tajna")
        assert [g.kind for g in results.groups] == ["conversations", "contacts", "organizations"]
    outsider = search(user=charlie, q="tajna")
    assert outsider.groups == []
    assert outsider.total == 0


def test_an_outsider_count_never_includes_other_teams(bob, charlie, team_a, team_b):
    for _ in range(3):
        make_message(team=team_a, subject="Faktura A")
    make_message(team=team_b, subject="Faktura B")
    index()
    (group,) = search(user=charlie, q="faktura").groups
    assert group.count == 1
    assert titles(search(user=bob, q="faktura")) == ["Faktura A"] * 3


@pytest.mark.parametrize(("windowed", "queries"), [(False, 1), (True, 3)])
def test_a_phrase_is_found_newest_first_in_windows_of_ids(  # noqa: PLR0917  # pytest passes fixtures positionally
    monkeypatch, django_assert_num_queries, charlie, team_a, team_b, windowed, queries
):
    """PostgreSQL looks for a phrase in windows of ids (`IndexBackend.newest`); SQLite could,
    so the windows are tested on both databases."""
    from parley.search import backends
    from parley.search.indexer import MESSAGE
    from parley.search.query import parse

    backend = backends.index_backend()
    monkeypatch.setattr(type(backend), "WINDOWED_PHRASES", windowed)
    monkeypatch.setattr(backends, "FIRST_WINDOW", 1)
    mine = [make_message(team=team_b, text="termin płatności minął").pk for _ in range(2)]
    make_message(team=team_a, text="termin płatności minął")  # another team's
    for _ in range(3):
        make_message(team=team_b, text="płatności po terminie, termin jutro")
    mine.append(make_message(team=team_b, text="termin płatności minął").pk)
    index()
    visible = Message.objects.visible_to(charlie).order_by()
    list(visible[:1])  # the team lookup of visible_to, not counted below
    terms = parse('"termin płatności"').terms
    # The first window is the newest 3 ids: one match. The next is as wide as two more need
    # at that density, twice over (12 ids): the rest.
    with django_assert_num_queries(queries):
        newest = backend.newest(visible, base=MESSAGE.base, terms=terms, limit=3)
    assert newest == mine[::-1]
    assert backend.newest(visible, base=MESSAGE.base, terms=terms, limit=2) == mine[:0:-1]


def test_it_matches_without_diacritics_both_ways(bob, team_a):
    make_message(team=team_a, subject="Oddział w Łodzi", text="Żółta łódź")
    make_message(team=team_a, subject="Zolw", text="bez znakow")
    index()
    assert titles(search(user=bob, q="lodz")) == ["Oddział w Łodzi"]
    assert titles(search(user=bob, q="ŻÓŁTA")) == ["Oddział w Łodzi"]
    assert titles(search(user=bob, q="żółw")) == ["Zolw"]


def test_words_match_as_prefixes_and_phrases_exactly(bob, team_a):
    make_message(team=team_a, subject="Faktury", text="termin płatności minął")
    make_message(team=team_a, subject="Inne", text="płatności termin")
    index()
    assert titles(search(user=bob, q="fakt")) == ["Faktury"]
    assert titles(search(user=bob, q='"termin platnosci"')) == ["Faktury"]
    assert sorted(titles(search(user=bob, q="termin platnosci"))) == ["Faktury", "Inne"]


def test_highlighted_snippet_shows_the_matched_words(bob, team_a):
    make_message(team=team_a, subject="Dostawa", text="Paczka utknęła w sortowni w Łodzi.")
    index()
    (hit,) = search(user=bob, q="lodz").groups[0].hits
    assert [text for text, marked in hit.snippet if marked] == ["Łodzi"]


@pytest.mark.parametrize(
    "typed",
    ["601234567", "601 234 567", "+48 601 234 567", "+48601234567", "0048 601-234-567", "601-234"],
)
def test_it_finds_a_contact_by_phone_in_any_form(bob, team_a, typed):
    make_contact(team=team_a, first_name="Piotr", last_name="Zieliński", phones=["601 234 567"])
    make_contact(team=team_a, first_name="Inny", last_name="Numer", phones=["+48 501 000 000"])
    index()
    assert titles(search(user=bob, q=typed), "contacts") == ["Piotr Zieliński"]


def test_it_finds_contacts_by_email_and_organizations_by_domain_and_nip(bob, team_a):
    make_contact(team=team_a, first_name="Ewa", last_name="Mazur", emails=["ewa.mazur@acme.pl"])
    make_organization(team=team_a, name="Acme", domains=["acme.pl"], tax_id="5260250274")
    index()
    results = search(user=bob, q="ewa.mazur@acme.pl")
    assert titles(results, "contacts") == ["Ewa Mazur"]
    assert titles(search(user=bob, q="526-025-02-74"), "organizations") == ["Acme"]
    assert titles(search(user=bob, q="5260250274"), "organizations") == ["Acme"]
    assert titles(search(user=bob, q="acme.pl"), "organizations") == ["Acme"]


def test_from_to_subject_and_attachment_operators(bob, team_a):
    make_message(
        team=team_a,
        subject="Umowa",
        from_address="prezes@firma.pl",
        to=[("Biuro", "biuro@parley.test")],
        attachments=["umowa_podpisana.pdf"],
    )
    make_message(team=team_a, subject="Umowa nowa", from_address="ktos@inny.pl")
    index()
    assert titles(search(user=bob, q="from:prezes@firma.pl")) == ["Umowa"]
    assert titles(search(user=bob, q="from:firma")) == ["Umowa"]
    assert titles(search(user=bob, q="to:biuro")) == ["Umowa"]
    assert titles(search(user=bob, q='subject:"umowa nowa"')) == ["Umowa nowa"]
    assert titles(search(user=bob, q="umowa has:attachment")) == ["Umowa"]
    assert titles(search(user=bob, q="podpisana")) == ["Umowa"]
    # Operators that only messages have leave contacts and organizations out.
    make_contact(team=team_a, first_name="Umowa", last_name="Test")
    index()
    assert [g.kind for g in search(user=bob, q="umowa has:attachment").groups] == ["conversations"]


def test_status_assignee_queue_and_date_operators(bob, alice, team_a):
    sales = Queue.objects.create(team=team_a, name="Sprzedaż")
    open_one = make_message(team=team_a, subject="Oferta otwarta", queue=sales)
    closed = make_message(
        team=team_a, subject="Oferta zamknięta", date=datetime(2025, 1, 10, tzinfo=UTC)
    )
    Conversation.objects.filter(pk=closed.conversation_id).update(status=Status.CLOSED)
    open_one.conversation.assignees.add(bob)
    index()
    assert titles(search(user=bob, q="oferta is:open")) == ["Oferta otwarta"]
    assert titles(search(user=bob, q="oferta is:closed")) == ["Oferta zamknięta"]
    assert titles(search(user=bob, q="oferta assignee:me")) == ["Oferta otwarta"]
    assert titles(search(user=alice, q="oferta assignee:me")) == []
    assert titles(search(user=bob, q="queue:sprzedaż")) == ["Oferta otwarta"]
    assert titles(search(user=bob, q="oferta before:2025-02-01")) == ["Oferta zamknięta"]
    assert titles(search(user=bob, q="oferta after:2025-02-01")) == ["Oferta otwarta"]


def test_tag_operator_filters_contacts(bob, team_a):
    vip = make_contact(team=team_a, first_name="Marek", last_name="Vip")
    make_contact(team=team_a, first_name="Marek", last_name="Zwykły")
    from parley.contacts import services as contacts

    contacts.tag_contact(contact=vip, name="VIP")
    index()
    assert titles(search(user=bob, q="marek tag:vip"), "contacts") == ["Marek Vip"]


def test_deleted_messages_and_conversations_disappear(bob, team_a):
    gone = make_message(team=team_a, subject="Usunięta wiadomość")
    hidden = make_message(team=team_a, subject="Usunięta rozmowa")
    erased = make_message(team=team_a, subject="Usunięta całkiem")
    index()
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    Conversation.objects.filter(pk=hidden.conversation_id).update(deleted_at=timezone.now())
    erased.delete()
    assert search(user=bob, q="usunięta").groups == []


def test_a_moved_message_is_found_in_its_new_conversation(bob, team_a):
    message = make_message(team=team_a, subject="Przeniesiona")
    target = make_message(team=team_a, subject="Cel").conversation
    index()
    Message.objects.filter(pk=message.pk).update(conversation=target)
    (hit,) = search(user=bob, q="przeniesiona").groups[0].hits
    assert hit.object == target


def test_a_deleted_contact_disappears(bob, team_a):
    contact = make_contact(team=team_a, first_name="Zniknę", last_name="Wkrótce")
    index()
    from parley.contacts import services as contacts

    contacts.delete_contact(contact=contact)
    assert search(user=bob, q="znikne").groups == []


def test_filters_alone_list_recent_conversations(bob, team_a):
    make_message(team=team_a, subject="Z załącznikiem", attachments=["a.pdf"])
    make_message(team=team_a, subject="Bez")
    index()
    assert titles(search(user=bob, q="has:attachment")) == ["Z załącznikiem"]


def test_an_empty_query_finds_nothing(bob, team_a):
    make_message(team=team_a, subject="Cokolwiek")
    index()
    assert search(user=bob, q="").groups == []


def test_notes_are_found_as_their_conversation_never_by_outsiders(bob, charlie, team_a):
    conversation = make_message(team=team_a, subject="Serwis").conversation
    from parley.conversations.services.records import add_note

    add_note(actor=bob, conversation=conversation, body="Klient prosi o oddzwonienie jutro")
    index()
    (group,) = search(user=bob, q="oddzwonienie").groups
    (hit,) = group.hits
    assert hit.object == conversation
    assert hit.note is not None
    assert ("oddzwonienie", True) in hit.snippet
    assert search(user=charlie, q="oddzwonienie").groups == []
    # Notes have no attachments or subject: those operators leave them out.
    assert search(user=bob, q="oddzwonienie has:attachment").groups == []


@pytest.mark.parametrize("typed", ["601 234 567", "+48 601-234-567", "0048601234567"])
def test_it_finds_leads_by_name_email_and_phone_never_other_teams(bob, charlie, team_a, typed):
    from parley.contacts.services.leads import create_lead

    lead = create_lead(
        team=team_a, name="Fotowoltaika na hali", email="biuro@hala.pl", phone="601234567"
    )
    index()
    for q in ("fotowolt", "biuro@hala.pl", typed, lead.code):
        (group,) = search(user=bob, q=q).groups
        assert (group.kind, [hit.object for hit in group.hits]) == ("leads", [lead])
    assert search(user=charlie, q="fotowoltaika").groups == []


def test_only_the_newest_matches_are_ranked(bob, team_a, monkeypatch):
    from parley.search import services

    old = make_message(team=team_a, subject="Ogrzewanie podłogowe", text="ogrzewanie")
    for _ in range(3):
        make_message(team=team_a, subject="Inne", text="ogrzewanie przy okazji")
    index()
    assert titles(search(user=bob, q="ogrzewanie"))[0] == old.subject
    # The trade-off of bounded ranking: an old best match outside the window is not ranked.
    monkeypatch.setattr(services, "RANK_WINDOW", 2)
    results = search(user=bob, q="ogrzewanie")
    assert old.subject not in titles(results)


def test_a_smaller_window_caps_the_count_and_says_there_is_more(bob, team_a):
    for _ in range(3):
        make_message(team=team_a, subject="Faktura", text="faktura")
    index()
    (group,) = search(user=bob, q="faktura", window=2).groups
    assert (group.count, group.more) == (2, True)
    (group,) = search(user=bob, q="faktura").groups
    assert (group.count, group.more) == (3, False)


def test_tag_operator_filters_conversations(bob, team_a):
    from parley.conversations.services.team_setup import save_tag
    from parley.conversations.services.workflow import change_tags

    tagged = make_message(team=team_a, subject="Pilna dostawa").conversation
    make_message(team=team_a, subject="Zwykła dostawa")
    change_tags(actor=bob, conversations=[tagged], add=[save_tag(team=team_a, name="Pilne")])
    index()
    assert titles(search(user=bob, q="dostawa tag:pilne")) == ["Pilna dostawa"]
    assert titles(search(user=bob, q='tag:"Pilne"')) == ["Pilna dostawa"]


def test_account_roles_limit_contact_hits_and_counts(bob, team_a):
    from conftest import PASSWORD
    from parley.accounts.models import Role
    from parley.accounts.services import create_user, set_membership
    from parley.contacts.services import set_contact_managers
    from parley.contacts.services.account_roles import grant_account_role

    erin = create_user(email="erin@example.com", password=PASSWORD, name="Erin Agent")
    set_membership(user=erin, team=team_a, role=Role.AGENT)
    make_contact(team=team_a, first_name="Ignacy", last_name="Obcy", account_type="partner")
    mine = make_contact(team=team_a, first_name="Ignacy", last_name="Mój", account_type="partner")
    set_contact_managers(contact=mine, users=[bob])
    index()
    assert search(user=bob, q="ignacy").groups[0].count == 2
    # With account roles in the team, an agent reads only the accounts they manage.
    grant_account_role(team=team_a, user=erin, account_type="customer", role="reader")
    (group,) = search(user=bob, q="ignacy").groups
    assert (group.count, [hit.object for hit in group.hits]) == (1, [mine])


def test_postgresql_searches_without_parallel_workers(bob, team_a):
    """Two workers for a five-row match cost more than the query: the setting is local to
    the search's transaction and in force before the index is read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    make_message(team=team_a, subject="Hydrofor")
    index()
    with CaptureQueriesContext(connection) as queries:
        assert search(user=bob, q="hydrofor").groups
    statements = [query["sql"] for query in queries.captured_queries]
    setting = statements.index("SET LOCAL max_parallel_workers_per_gather = 0")
    first_match = next(i for i, sql in enumerate(statements) if "search_document" in sql)
    assert setting < first_match
