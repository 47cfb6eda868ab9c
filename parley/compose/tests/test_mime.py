"""Outgoing MIME reads back exactly as written (issue 5 part 3)."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from typing import Any

from parley.compose.mime import FileToAttach, MimeSpec, build_message, html_to_text, new_message_id
from parley.mail.parsing import identity_of, parse_message

SUBJECT = "Zażółć gęślą jaźń — faktura nr 7/2026 dla klienta [#42]"


def build(**overrides: Any) -> bytes:
    spec: dict[str, Any] = {
        "from_address": "biuro@firma.pl",
        "from_name": "Biuro Łódź",
        "message_id": "abc123@firma.pl",
        "date": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "subject": SUBJECT,
        "html": "<p>Dzień <b>dobry</b>,</p><blockquote><p>cytat</p></blockquote>",
        "to": ["jan@example.org"],
        "cc": ["anna@example.org"],
        "in_reply_to": "q1@example.org",
        "references": ["q0@example.org", "q1@example.org"],
        "attachments": [FileToAttach("faktura żółta.pdf", "application/pdf", b"%PDF-1.4\n")],
    } | overrides
    return build_message(MimeSpec(**spec))


def test_python_reads_back_every_header_and_part():
    raw = build()
    msg = email.message_from_bytes(raw, policy=policy.default)

    assert msg["Subject"] == SUBJECT
    assert msg["From"].addresses[0].display_name == "Biuro Łódź"
    assert msg["Message-ID"] == "<abc123@firma.pl>"
    assert msg["In-Reply-To"] == "<q1@example.org>"
    assert msg["References"] == "<q0@example.org> <q1@example.org>"
    assert msg["Date"].datetime == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert msg.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "faktura żółta.pdf"
    assert attachment.get_content() == b"%PDF-1.4\n"


def test_the_wire_form_is_ascii_with_encoded_words_and_crlf():
    raw = build()

    assert raw.isascii()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"filename*=utf-8''faktura%20%C5%BC%C3%B3%C5%82ta.pdf" in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_parleys_own_parser_reads_what_was_written():
    raw = build()
    parsed = parse_message(raw)

    assert parsed.subject == SUBJECT
    assert parsed.identity.message_id == "abc123@firma.pl"
    assert parsed.in_reply_to == "q1@example.org"
    assert "Dzień dobry," in parsed.text
    assert [a.filename for a in parsed.attachments] == ["faktura żółta.pdf"]
    assert identity_of(raw) == parsed.identity


def test_automatic_messages_say_so():
    msg = email.message_from_bytes(build(auto_submitted=True), policy=policy.default)

    assert msg["Auto-Submitted"] == "auto-replied"
    assert "Auto-Submitted" not in email.message_from_bytes(build(), policy=policy.default)


def test_the_tracking_pixel_is_only_in_the_html_part():
    msg = email.message_from_bytes(
        build(tracking_pixel_url="https://parley.test/o/tok.gif"), policy=policy.default
    )

    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert '<img src="https://parley.test/o/tok.gif" width="1" height="1"' in html.get_content()
    assert "tok.gif" not in text.get_content()


def test_message_ids_are_random_on_the_senders_domain():
    first, second = new_message_id("Biuro@Firma.PL"), new_message_id("biuro@firma.pl")

    assert first.endswith("@firma.pl")
    assert first != second


def test_html_becomes_readable_text():
    text = html_to_text(
        "<p>Hello <b>Jan</b></p><ul><li>one</li><li>two</li></ul>"
        '<blockquote><p>old line</p></blockquote><p><a href="https://x.org">site</a></p>'
    )

    assert text == "Hello Jan\n\n- one\n- two\n\n> old line\n\nsite (https://x.org)\n"
