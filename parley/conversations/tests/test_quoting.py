from __future__ import annotations

import pytest

from parley.conversations.quoting import split_reply


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
