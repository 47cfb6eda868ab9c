from __future__ import annotations

import pytest

from parley.conversations.quoting import ReplyParts, split_reply, stored_reply_parts


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("Thanks!\n\nOn Mon, 2 Mar 2026 at 10:00, Jan <jan@x.pl> wrote:\n> Hi", "Thanks!"),
        ("Dziękuję.\n\nW dniu 2.03.2026 o 10:00, Jan Kowalski napisał(a):\n> Cześć", "Dziękuję."),
        ("Ok\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold", "Ok"),
        ("Tak\n\nOd: Jan Kowalski <jan@x.pl>\nWysłano: poniedziałek\nDo: nas\nTemat: x", "Tak"),
        ("Best\nAnna\n-- \nAnna Nowak\nACME", "Best\nAnna"),
        ("Sure.\n\n> quoted\n> more\n", "Sure."),
    ],
)
def test_it_separates_the_new_text_from_history_and_signatures(text, visible):
    parts = split_reply(text)

    assert parts.visible == visible
    assert parts.quoted


def test_a_message_without_history_is_left_whole():
    text = "Hello,\nplease send the invoice.\n> not a quote block: text follows\nThanks"

    assert split_reply(text).visible == text
    assert split_reply(text).quoted == ""


def test_a_message_that_is_only_a_quote_stays_visible():
    assert split_reply("> only quoted").visible == "> only quoted"


def test_the_stored_reply_text_decides_what_is_folded():
    text = "Tak.\nDziękuję\n\nstopka firmy\n"

    parts = stored_reply_parts(text, "Tak.\nDziękuję")

    assert parts == ReplyParts(visible="Tak.\nDziękuję", quoted="stopka firmy")


@pytest.mark.parametrize("stored", [None, "text that is not there"])
def test_without_a_usable_stored_reply_text_it_splits_now(stored):
    text = "Ok\n\n-----Original Message-----\nold"

    assert stored_reply_parts(text, stored) == split_reply(text)


def test_a_long_inline_reply_keeps_its_answers_and_folds_the_trailing_quote():
    text = "\n".join(["> question", "answer"] * 5000 + ["> trailing"] * 5000)

    assert split_reply(text).quoted == "\n".join(["> trailing"] * 5000)


def test_an_attribution_in_another_language_above_a_trailing_quote_is_folded():
    text = "Merci.\n\nLe jeu. 5 mars 2026 à 12:00, Service <s@example.fr> a écrit :\n> Voici"

    assert split_reply(text).visible == "Merci."


def test_a_sentence_ending_with_a_colon_above_a_trailing_quote_stays():
    text = "I agree with this part:\n> we ship on Monday"

    assert split_reply(text).visible == "I agree with this part:"
