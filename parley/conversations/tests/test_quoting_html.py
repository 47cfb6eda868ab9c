"""The HTML splitter on labelled HTML replies, and the safety of what it returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.conversations.html_quoting import HtmlParts, split_html
from parley.mail.parsing import allow_remote_images, html_to_text, sanitize_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"
CASES = sorted(path.stem for path in FIXTURES.glob("*.html"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _split_fixture(name: str) -> tuple[str, HtmlParts]:
    sanitized = sanitize_html((FIXTURES / f"{name}.html").read_text())
    return sanitized, split_html(sanitized)


def test_we_have_a_real_labelled_set():
    assert len(CASES) >= 12
    assert all((FIXTURES / f"{name}.visible.txt").read_text().strip() for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_the_labelled_html_reply_shows_exactly_its_new_text(name: str):
    _, parts = _split_fixture(name)

    expected = (FIXTURES / f"{name}.visible.txt").read_text()
    assert _lines(html_to_text(parts.visible)) == _lines(expected)


@pytest.mark.parametrize("name", CASES)
def test_the_two_parts_together_are_the_whole_message(name: str):
    sanitized, parts = _split_fixture(name)

    whole = _lines(html_to_text(sanitized))
    assert _lines(html_to_text(parts.visible)) + _lines(html_to_text(parts.quoted)) == whole


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("gmail_reply", "please find the corrected invoice attached."),
        ("outlook_desktop_en", "Dear Tom, the invoice 12/2026 is overdue."),
        ("thunderbird_polish", "Tomasz Zieliński"),
        ("gmail_polish_signature", "tel. +48 601 234 567"),
    ],
)
def test_the_history_and_signature_are_in_the_folded_part(name: str, folded: str):
    _, parts = _split_fixture(name)

    assert folded in html_to_text(parts.quoted)
    assert folded not in html_to_text(parts.visible)


def test_the_outlook_rule_above_the_header_block_is_folded_with_it():
    _, parts = _split_fixture("outlook_web_divrplyfwdmsg")

    assert "<hr" not in parts.visible
    assert parts.quoted.startswith("<hr")


@pytest.mark.parametrize("name", ["gmail_forward", "no_quote"])
def test_a_forward_or_a_message_without_history_is_returned_unchanged(name: str):
    sanitized, parts = _split_fixture(name)

    assert parts == HtmlParts(visible=sanitized, quoted="")


def test_a_message_that_is_only_a_quote_stays_visible():
    html = sanitize_html("<blockquote>On Mon, 2 Mar 2026, Jan wrote:<br>old</blockquote>")

    assert split_html(html) == HtmlParts(visible=html, quoted="")


def test_escaped_markup_stays_escaped_on_both_sides():
    html = sanitize_html(
        '<p>Use &lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"</p>'
        '<p><a href="https://example.com/?a=1&amp;b=&quot;2&quot;">link</a></p>'
        "<p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote>&lt;img src=x onerror=alert(1)&gt;</blockquote>"
    )

    parts = split_html(html)

    assert "<script" not in parts.visible
    assert "&lt;script&gt;" in parts.visible
    assert 'href="https://example.com/?a=1&amp;b=&quot;2&quot;"' in parts.visible
    assert "<img" not in parts.quoted
    assert "&lt;img src=x onerror=alert(1)&gt;" in parts.quoted


def test_both_parts_are_balanced_html():
    html = sanitize_html(
        "<div><table><tr><td><p>Thanks!</p><p>On Mon, 2 Mar 2026, Jan wrote:</p>"
        "<blockquote><ul><li>old</li></ul></blockquote></td></tr></table></div>"
    )

    parts = split_html(html)

    assert (
        parts.visible == "<div><table><tbody><tr><td><p>Thanks!</p></td></tr></tbody></table></div>"
    )
    assert parts.quoted == (
        "<div><table><tbody><tr><td><p>On Mon, 2 Mar 2026, Jan wrote:</p>"
        "<blockquote><ul><li>old</li></ul></blockquote></td></tr></tbody></table></div>"
    )


def test_blocked_remote_images_keep_their_marker_in_the_folded_part():
    html = sanitize_html(
        '<p>Ok</p><p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote><img src="https://t.example/x.png" alt="logo"></blockquote>'
    )

    parts = split_html(html)

    assert 'data-remote-src="https://t.example/x.png"' in parts.quoted
    assert sanitize_html(allow_remote_images(parts.quoted)) == parts.quoted
    assert "src=" not in parts.quoted.replace("data-remote-src=", "")


def test_lines_inside_pre_can_be_cut():
    html = sanitize_html("<pre>Thanks\n\nOn Mon, 2 Mar 2026, Jan wrote:\n&gt; old\n</pre>")

    parts = split_html(html)

    assert html_to_text(parts.visible) == "Thanks"
    assert parts.quoted.startswith("<pre>")
    assert html_to_text(parts.quoted).startswith("On Mon")


def test_markup_inside_an_attribute_is_not_read_as_a_tag():
    html = sanitize_html(
        '<p>Hi</p><img alt="<p>On Mon, 2 Mar 2026, Jan wrote:</p>" src="cid:x">'
        "<p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote>old</blockquote>"
    )

    parts = split_html(html)

    assert parts.visible.endswith('wrote:&lt;/p&gt;" src="cid:x">')
    assert parts.quoted == "<p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote>old</blockquote>"


@pytest.mark.parametrize(
    "html",
    [
        "<p>Hi</p><!-- a comment --><p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote>old</blockquote>",
        "<p>Hi < there</p><p>On Mon, 2 Mar 2026, Jan wrote:</p><blockquote>old</blockquote>",
    ],
)
def test_html_not_written_by_the_sanitizer_is_shown_whole(html: str):
    assert split_html(html) == HtmlParts(visible=html, quoted="")


def test_a_long_history_is_not_read_past_the_separator():
    history = "<p>From: Jan</p><p>Sent: Monday</p><p>To: Anna</p><p>Subject: x</p>"
    # What follows the settled cut is never tokenized: a stray "<" there does not matter.
    html = "<p>Thanks</p>" + history + "<p>old < text</p>" * 1000

    parts = split_html(html)

    assert parts.visible == "<p>Thanks</p>"
    assert parts.quoted == history + "<p>old < text</p>" * 1000


@pytest.mark.parametrize("name", CASES)
def test_sanitizing_either_part_again_changes_nothing(name: str):
    _, parts = _split_fixture(name)

    for part in (parts.visible, parts.quoted):
        # allow_remote_images undoes the blocking that sanitize_html then redoes.
        assert sanitize_html(allow_remote_images(part)) == part
