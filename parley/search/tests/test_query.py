from __future__ import annotations

from datetime import date

from parley.search.backends import fts5_expression, tsquery_expression
from parley.search.query import Column, Phrase, Term, parse, phone_forms


def test_free_words_are_folded_prefix_terms():
    query = parse("Faktura Łódź")
    assert query.terms == [
        Term((Phrase(("faktura",), prefix=True),)),
        Term((Phrase(("lodz",), prefix=True),)),
    ]


def test_a_quoted_phrase_keeps_word_order_and_is_not_a_prefix():
    query = parse('"termin płatności" x')
    assert query.terms[0] == Term((Phrase(("termin", "platnosci")),))
    assert query.terms[1] == Term((Phrase(("x",), prefix=False),))


def test_column_operators_restrict_the_column():
    query = parse('from:jan.kowalski@wp.pl to:biuro subject:"zwrot towaru"')
    assert query.terms == [
        Term((Phrase(("jan", "kowalski", "wp", "pl"), prefix=False),), Column.SENDER),
        Term((Phrase(("biuro",), prefix=True),), Column.RECIPIENTS),
        Term((Phrase(("zwrot", "towaru")),), Column.TITLE),
    ]
    assert query.message_only


def test_filter_operators_are_read():
    query = parse(
        "has:attachment is:closed assignee:me queue:Sprzedaż tag:vip "
        "before:2025-06-30 after:2025-01-01"
    )
    assert query.terms == []
    assert query.has_attachment
    assert query.status == "closed"
    assert query.assignee_me
    assert query.queues == ["Sprzedaż"]
    assert query.tags == ["vip"]
    assert query.before == date(2025, 6, 30)
    assert query.after == date(2025, 1, 1)
    assert query.message_only
    assert not query.is_empty


def test_a_bad_date_is_ignored_with_a_warning():
    query = parse("before:yesterday faktura")
    assert query.before is None
    assert len(query.warnings) == 1
    assert query.terms == [Term((Phrase(("faktura",), prefix=True),))]


def test_an_unknown_operator_is_searched_as_text():
    query = parse("re:zamówienie")
    assert query.terms == [
        Term((Phrase(("re",), prefix=True),)),
        Term((Phrase(("zamowienie",), prefix=True),)),
    ]


def test_a_phone_number_matches_its_other_forms():
    query = parse("0048 601-234-567")
    (term,) = query.terms
    assert Phrase(("48601234567",)) in term.options
    assert Phrase(("601234567",)) in term.options
    assert Phrase(("0048", "601", "234", "567")) in term.options


def test_phone_forms_keep_unparsable_digits():
    assert phone_forms("12345678901234567") == ["12345678901234567"]
    assert phone_forms("+48 601 234 567") == ["48601234567", "601234567"]


def test_an_empty_query_is_empty():
    assert parse("  ").is_empty
    assert parse('""').is_empty


def test_expressions_for_both_databases():
    terms = parse('from:jan "a b" 601234567').terms
    assert fts5_expression(terms) == (
        '{sender} : ("jan"*) AND ("a b") AND ("601234567" OR "48601234567")'
    )
    assert tsquery_expression(terms) == (
        "(('jan':*B)) & (('a' <-> 'b')) & (('601234567') | ('48601234567'))"
    )


def test_a_whole_address_is_not_a_prefix_but_part_of_one_is():
    (term,) = parse("from:jan@firma.pl").terms
    assert term.options[0] == Phrase(("jan", "firma", "pl"), prefix=False)
    (term,) = parse("from:jan@fir").terms
    assert term.options[0] == Phrase(("jan", "fir"), prefix=True)
