from __future__ import annotations

from parley.search.text import Needle, fold, highlight, index_text, tokens


def test_fold_removes_polish_and_other_diacritics():
    assert fold("Zażółć GĘŚLĄ JAŹŃ, Łódź") == "zazolc gesla jazn, lodz"
    assert fold("Crème brûlée Ångström") == "creme brulee angstrom"


def test_tokens_split_addresses_and_numbers():
    assert tokens("Jan.Kowalski@WP.pl +48 601-234-567") == [
        "jan", "kowalski", "wp", "pl", "48", "601", "234", "567",
    ]  # fmt: skip


def test_index_text_joins_fields():
    assert index_text("Łódź", "", "ul. Piotrkowska") == "lodz ul piotrkowska"


def test_highlight_marks_folded_matches_in_the_original_text():
    segments = highlight("Spotkanie w Łodzi, potem Łódź Kaliska.", [Needle("lodz", True)])
    assert [text for text, hit in segments if hit] == ["Łodzi", "Łódź"]
    assert "".join(text for text, _ in segments) == "Spotkanie w Łodzi, potem Łódź Kaliska."


def test_highlight_cuts_a_window_around_the_first_match():
    text = "słowo " * 100 + "faktura " + "koniec " * 100
    segments = highlight(text, [Needle("faktura", False)], width=80)
    joined = "".join(part for part, _ in segments)
    assert joined.startswith("…")
    assert joined.endswith("…")
    assert ("faktura", True) in segments
    assert len(joined) < 100
