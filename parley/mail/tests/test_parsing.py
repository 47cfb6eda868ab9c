from __future__ import annotations

import pytest

from parley.mail.parsing import (
    allow_remote_images,
    decode_bytes,
    html_to_text,
    identity_of,
    parse_message,
    sanitize_html,
)
from parley.mail.tests.support import fixture


def test_iso_8859_2_headers_and_body_decode_to_polish_text():
    parsed = parse_message(fixture("iso_8859_2.eml"))

    assert parsed.subject == "Zamówienie żółtej łódki"
    assert parsed.from_ == [{"name": "Łukasz Żółw", "address": "lukasz@firma.example"}]
    assert parsed.text == "Zażółć gęślą jaźń. Łódź, Kraków, Gdańsk.\n"


def test_windows_1250_headers_and_body_decode_to_polish_text():
    parsed = parse_message(fixture("windows_1250.eml"))

    assert parsed.subject == "Przelew Świętosława"
    assert parsed.from_[0]["name"] == "Świętosław Śląski"
    assert parsed.text.startswith("Świętosław pisze: źdźbło, ą ę ś ź.")


def test_a_mislabeled_charset_falls_back_without_raising():
    parsed = parse_message(fixture("mislabeled_charset.eml"))

    assert parsed.text == "Proszę o fakturę, Łódź.\n"


def test_raw_8bit_headers_and_an_unknown_charset_are_read():
    parsed = parse_message(fixture("unknown_charset_8bit_header.eml"))

    assert parsed.subject == "Żółw"
    assert parsed.from_[0]["name"] == "Paweł"
    assert parsed.text == "Gęś\n"


def test_rfc2047_names_and_rfc2231_filenames_are_decoded():
    parsed = parse_message(fixture("rfc2047_2231.eml"))

    assert parsed.from_[0]["name"] == "Zdzisław Gładysz"
    assert parsed.to[0] == {"name": "Kowalski, Jan", "address": "jan@customer.example"}
    assert parsed.subject == "Załącznik z polską nazwą"
    assert [a.filename for a in parsed.attachments] == ["Załącznik żółty.txt", "łódź.txt"]
    assert parsed.attachments[0].content == "treść".encode()


def test_html_only_mail_gets_text_from_the_html_and_sanitized_html():
    parsed = parse_message(fixture("html_only.eml"))

    assert "Order 42 shipped." in parsed.text
    assert "alert" not in parsed.text
    assert "<script" not in parsed.html
    assert "onclick" not in parsed.html
    assert "javascript:" not in parsed.html
    assert 'href="https://shop.example/o/42"' in parsed.html


def test_remote_images_are_blocked_until_allowed():
    html = sanitize_html('<img src="https://t.example/p.gif"><img src="cid:logo@x">')

    assert 'data-remote-src="https://t.example/p.gif"' in html
    assert ' src="https://' not in html
    assert 'src="cid:logo@x"' in html
    assert 'src="https://t.example/p.gif"' in allow_remote_images(html)


def test_multipart_alternative_prefers_text_and_keeps_inline_images():
    parsed = parse_message(fixture("multipart_attachments.eml"))

    assert parsed.text == "Please see the contract."
    assert 'src="cid:logo@customer.example"' in parsed.html
    logo = next(a for a in parsed.attachments if a.content_id)
    assert logo.is_inline
    assert logo.filename == "logo.png"


def test_a_truncated_multipart_keeps_what_arrived():
    parsed = parse_message(fixture("broken_mime.eml"))

    assert parsed.text == "Hello world"
    assert [a.filename for a in parsed.attachments] == ["cut.pdf"]


def test_no_message_id_gives_none():
    assert identity_of(fixture("no_message_id.eml")).message_id is None


def test_a_dsn_keeps_the_report_and_the_returned_message_as_attachments():
    parsed = parse_message(fixture("bounce_dsn.eml"))

    assert parsed.flags.bounce
    assert [a.content_type for a in parsed.attachments] == [
        "message/delivery-status",
        "message/rfc822",
    ]
    assert b"Original body." in parsed.attachments[1].content


def test_a_missing_or_bad_date_is_none():
    raw = fixture("plain.eml").replace(b"Date: Mon, 2 Mar 2026 10:00:00 +0100", b"Date: someday")

    assert parse_message(raw).date is None


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("zażółć".encode(), "us-ascii", "zażółć"),
        ("zażółć".encode("iso-8859-2"), "iso-8859-2", "zażółć"),
        ("zażółć".encode("cp1250"), "utf-8", "zażółć"),
        ("zażółć".encode("cp1250"), "no-such-charset", "zażółć"),
        (b"\x81\x83\x88\x90\x98\xff", "utf-8", "\x81\x83\x88\x90\x98ÿ"),
        (b"nul\x00byte", None, "nulbyte"),
    ],
)
def test_decode_bytes_never_raises(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_html_to_text_keeps_blocks_on_lines():
    assert html_to_text("<p>a</p><p>b<br>c</p><style>x{}</style>") == "a\n\nb\nc"
