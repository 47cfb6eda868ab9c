"""SQLite's list of indexed words, which turns a typed prefix into whole words
(`SqliteIndex.completions`): it must hold exactly the words of the index."""

from __future__ import annotations

import pytest
from django.db import connection

from parley.contacts.services import delete_contact
from parley.search.backends import MAX_COMPLETIONS, SqliteIndex, fts5_expression
from parley.search.indexer import CONTACT, reindex, sweep
from parley.search.query import parse
from parley.search.services import search
from parley.search.tests.factories import index, make_contact, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL reads prefixes from its GIN index")


def listed(prefix: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term FROM search_term WHERE term LIKE %s ORDER BY term", [f"{prefix}%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_prefix_becomes_the_whole_words_it_completes_to(bob, team_a):
    make_message(team=team_a, subject="Faktura", text="Proszę o fakturę i faktury korygujące.")
    index()
    expression = SqliteIndex().expression(parse("faktur").terms)
    assert expression == '("faktura" OR "fakture" OR "faktury")'
    assert [g.kind for g in search(user=bob, q="faktur").groups] == ["conversations"]


def test_short_prefixes_numbers_and_unknown_words_stay_fts5_prefixes(team_a):
    make_message(team=team_a, text="Zamówienie 123456 na fak")
    index()
    backend = SqliteIndex()
    assert backend.expression(parse("zam").terms) == '("zam"*)'
    assert backend.expression(parse("1234").terms) == '("1234"*)'
    assert backend.expression(parse("nieznane").terms) == '("nieznane"*)'


def test_a_phrase_prefix_completes_its_last_word(bob, team_a):
    make_message(team=team_a, from_name="Jan Kowalski", from_address="jan.kowalski@firma.pl")
    make_message(team=team_a, from_name="Jan Kowalewski", from_address="jan@kowalewscy.pl")
    index()
    terms = parse("from:jan.kowal").terms
    assert fts5_expression(terms, SqliteIndex().completions) == (
        '{sender} : ("jan kowalewscy" OR "jan kowalewski" OR "jan kowalski")'
    )
    assert search(user=bob, q="from:jan.kowal").groups[0].count == 2


def test_too_many_completions_fall_back_to_the_fts5_prefix(team_a):
    words = " ".join(
        f"prze{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_COMPLETIONS + 1)
    )
    make_message(team=team_a, text=words)
    index()
    assert SqliteIndex().expression(parse("prze").terms) == '("prze"*)'


def test_words_no_row_holds_any_more_leave_the_list(bob, team_a):
    contact = make_contact(team=team_a, first_name="Eustachy", last_name="Wspólny")
    make_message(team=team_a, subject="Wspólny temat")
    index()
    assert listed("eust") == ["eustachy"]
    delete_contact(contact=contact)
    sweep(CONTACT)
    assert listed("eust") == []
    assert listed("wspol") == ["wspolny"]  # the message still holds it


def test_reindex_rebuilds_the_list_from_the_index(team_a):
    make_message(team=team_a, subject="Odbudowana lista")
    index()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_term")
        cursor.execute("INSERT INTO search_term (term) VALUES ('widmowe')")
    reindex()
    assert listed("odbud") == ["odbudowana"]
    assert listed("widm") == []


def test_one_search_of_a_kind_reads_the_word_list_once(bob, team_a):
    """Listing the newest matches and ranking them use the same expression."""
    from django.test.utils import CaptureQueriesContext

    make_contact(team=team_a, first_name="Fakturzysta")
    index()
    with CaptureQueriesContext(connection) as queries:
        assert search(user=bob, q="faktur", kinds=["contacts"]).groups
    lookups = [q for q in queries.captured_queries if "FROM search_term" in q["sql"]]
    assert len(lookups) == 1
