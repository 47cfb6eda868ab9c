from __future__ import annotations

import pytest

from parley.mail.tests.support import fixture, ingest_at, make_folder, make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a):
    return make_mailbox(team_a)


@pytest.fixture
def message(mailbox):
    return ingest_at(fixture("multipart_attachments.eml"), make_folder(mailbox), uid=1).message


def status_of(client, url):
    response = client.get(url)
    release(response)
    return response.status_code


def release(response):
    # Reading a streamed download to the end makes the test client close it (and the blob
    # file) without firing request_finished, which would close the database connection.
    if response.streaming:
        b"".join(response.streaming_content)


def pages(message):
    pdf = message.attachments.get(filename="contract.pdf")
    return [
        f"/mail/{message.mailbox_id}/",
        f"/conversations/{message.conversation_id}/",
        f"/messages/{message.pk}/raw/",
        f"/attachments/{pdf.pk}/",
    ]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_team_members_and_readers_see_every_page(client, request, message, persona):
    client.force_login(request.getfixturevalue(persona))

    for url in pages(message):
        assert status_of(client, url) == 200, url


def test_an_outsider_gets_404_everywhere(client, charlie, message):
    client.force_login(charlie)

    for url in pages(message):
        assert status_of(client, url) == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, message):
    for url in pages(message):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/" in response["Location"]


def test_the_mailbox_page_lists_conversations_with_participants(client, bob, message):
    client.force_login(bob)

    response = client.get(f"/mail/{message.mailbox_id}/")

    assert "Contract attached" in response.text
    assert "Jan Kowalski" in response.text
    assert f"/conversations/{message.conversation_id}/" in response.text


def test_the_mailbox_page_has_a_fixed_number_of_queries(
    client, bob, mailbox, message, django_assert_max_num_queries
):
    folder = mailbox.folders.get()
    for uid, name in enumerate(["plain.eml", "html_only.eml", "iso_8859_2.eml"], start=2):
        ingest_at(fixture(name), folder, uid=uid)
    client.force_login(bob)

    with django_assert_max_num_queries(12):
        response = client.get(f"/mail/{mailbox.pk}/")

    assert response.text.count("/conversations/") == 4


def test_the_mailbox_page_is_cut_into_pages(client, bob, mailbox, message, monkeypatch):
    from parley.web.views import conversations

    monkeypatch.setattr(conversations, "PAGE_SIZE", 3)
    folder = mailbox.folders.get()
    for uid, name in enumerate(["plain.eml", "html_only.eml", "iso_8859_2.eml"], start=2):
        ingest_at(fixture(name), folder, uid=uid)
    client.force_login(bob)

    first = client.get(f"/mail/{mailbox.pk}/").text
    second = client.get(f"/mail/{mailbox.pk}/?page=2").text

    assert "Page 1 of 2" in first
    assert '<a href="?page=2" rel="next">' in first
    assert "Page 2 of 2" in second
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert first.count("/conversations/") + second.count("/conversations/") == 4


def test_the_mailboxes_index_shows_only_visible_mailboxes(client, bob, team_b, mailbox):
    make_mailbox(team_b, name="secret-b", email="b@parley.test")
    client.force_login(bob)

    response = client.get("/mail/")

    assert f"/mail/{mailbox.pk}/" in response.text
    assert "secret-b" not in response.text


def test_the_conversation_page_shows_sanitized_html_with_inline_images(client, bob, message):
    logo = message.attachments.get(content_id="logo@customer.example")
    client.force_login(bob)

    response = client.get(f"/conversations/{message.conversation_id}/")

    assert f'src="/attachments/{logo.pk}/"' in response.text
    assert "cid:" not in response.text
    assert "Please see the contract." in response.text
    assert "contract.pdf" in response.text


def test_the_conversation_page_never_renders_script(client, bob, mailbox):
    message = ingest_at(fixture("html_only.eml"), make_folder(mailbox), uid=1).message
    client.force_login(bob)

    response = client.get(f"/conversations/{message.conversation_id}/")

    assert "alert(1)" not in response.text
    assert "tracker.example" not in response.text.split('data-remote-src="')[0]


def test_the_raw_download_is_the_exact_original(client, bob, message):
    client.force_login(bob)

    response = client.get(f"/messages/{message.pk}/raw/")

    assert response["Content-Type"] == "message/rfc822"
    assert b"".join(response.streaming_content) == fixture("multipart_attachments.eml")


def test_attachments_download_as_files_and_images_inline(client, bob, message):
    pdf = message.attachments.get(filename="contract.pdf")
    logo = message.attachments.get(filename="logo.png")
    client.force_login(bob)

    pdf_response = client.get(f"/attachments/{pdf.pk}/")
    logo_response = client.get(f"/attachments/{logo.pk}/")

    assert pdf_response["Content-Type"] == "application/octet-stream"
    assert pdf_response["Content-Disposition"].startswith("attachment;")
    assert logo_response["Content-Type"] == "image/png"
    assert logo_response["Content-Disposition"].startswith("inline;")
    release(pdf_response)
    release(logo_response)


def test_remote_images_stay_blocked_until_the_reader_asks(client, bob, mailbox):
    raw = (
        b"Message-ID: <img@customer.example>\r\nFrom: jan@customer.example\r\n"
        b"Subject: Newsletter\r\nContent-Type: text/html\r\n\r\n"
        b'<p>Hi</p><img src="https://tracker.example/pixel.gif" alt="pixel">\r\n'
    )
    message = ingest_at(raw, make_folder(mailbox), uid=9).message
    client.force_login(bob)
    url = f"/conversations/{message.conversation_id}/"

    blocked = client.get(url)
    assert b' src="https://tracker.example/pixel.gif"' not in blocked.content
    assert f"?images={message.pk}".encode() in blocked.content
    assert "https:" not in blocked["Content-Security-Policy"]

    shown = client.get(url, {"images": message.pk})
    assert b' src="https://tracker.example/pixel.gif"' in shown.content
    assert "img-src 'self' data: https: http:" in shown["Content-Security-Policy"]
