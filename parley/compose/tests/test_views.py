"""The composer pages: owner, teammate, outsider and reader (issue 5 part 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parley.compose.models import (
    Kind,
    MailboxSendingSettings,
    OpenEvent,
    OutgoingMessage,
    ResponseTemplate,
    Signature,
    State,
)
from parley.compose.services.drafts import queue_message, start_reply
from parley.compose.services.outbox import claim
from parley.compose.services.templates import create_template
from parley.compose.tests.support import customer_message, receive
from parley.contacts.models import Contact, ContactEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(offline_mailbox):
    return receive(offline_mailbox, customer_message(to=offline_mailbox.email))


@pytest.fixture
def draft(bob, parent):
    return start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)


def form_data(draft, **overrides):
    return {
        "mailbox": draft.mailbox_id,
        "to": ", ".join(draft.to),
        "cc": "",
        "bcc": "",
        "subject": draft.subject,
        "body_html": "<p>Thanks!</p>",
        "send_at": "",
    } | overrides


@pytest.fixture(autouse=True)
def rich_editor(monkeypatch):
    """The views behave as after `make install` with npm, whatever this machine has."""
    monkeypatch.setattr("parley.web.views.compose.rich_editor_installed", lambda: True)


def test_without_the_editor_files_the_composer_takes_plain_text(client, bob, draft, monkeypatch):
    monkeypatch.setattr("parley.web.views.compose.rich_editor_installed", lambda: False)
    client.force_login(bob)

    page = client.get(reverse("web:compose", args=[draft.pk]))
    assert b"trix-editor" not in page.content
    assert b'name="body_text"' in page.content

    data = form_data(draft)
    data.pop("body_html", None)
    data["body_text"] = "Hello <Jan>,\n\nsee you."
    client.post(reverse("web:compose_save", args=[draft.pk]), data)

    draft.refresh_from_db()
    assert draft.body_html == "<p>Hello &lt;Jan&gt;,</p>\n\n<p>see you.</p>"


def test_the_reply_button_opens_a_composer_with_the_answer(client, bob, parent):
    client.force_login(bob)

    response = client.post(
        reverse("web:compose_reply", args=[parent.conversation_id]),
        {"kind": "reply_all", "message": parent.pk},
    )

    draft = OutgoingMessage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:compose", args=[draft.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"anna@example.org" in page.content
    assert b"trix-editor" in page.content


def test_the_conversation_page_offers_reply_reply_all_and_forward(client, bob, parent):
    client.force_login(bob)

    page = client.get(reverse("web:conversation", args=[parent.conversation_id]))

    assert page.status_code == 200
    assert b'data-testid="compose-actions"' in page.content


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("dave", 403)])
def test_outsiders_and_readers_cannot_start_a_reply(client, request, parent, persona, status):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        reverse("web:compose_reply", args=[parent.conversation_id]), {"kind": "reply"}
    )

    assert response.status_code == status
    assert not OutgoingMessage.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "charlie", "dave"])
def test_a_draft_is_its_authors_alone(client, request, draft, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("web:compose", args=[draft.pk])).status_code == 404
    assert client.post(reverse("web:compose_send", args=[draft.pk])).status_code == 404


def test_autosave_keeps_the_fields(client, bob, draft):
    client.force_login(bob)

    response = client.post(
        reverse("web:compose_save", args=[draft.pk]),
        form_data(draft, subject="Changed", cc="a@example.org"),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert b"Draft saved" in response.content
    draft.refresh_from_db()
    assert draft.subject == "Changed"
    assert draft.cc == ["a@example.org"]


def test_send_shows_the_countdown_and_undo_returns_the_composer(client, bob, draft):
    client.force_login(bob)

    response = client.post(reverse("web:compose_send", args=[draft.pk]), form_data(draft))
    assert response.status_code == 302
    status = client.get(response["Location"])
    assert b'data-testid="countdown"' in status.content
    assert OutgoingMessage.objects.get().state == State.WAITING

    client.post(reverse("web:compose_undo", args=[draft.pk]))

    assert OutgoingMessage.objects.get().state == State.DRAFT
    assert b"trix-editor" in client.get(reverse("web:compose", args=[draft.pk])).content


def test_bad_addresses_are_named_and_nothing_is_queued(client, bob, draft):
    client.force_login(bob)

    response = client.post(
        reverse("web:compose_send", args=[draft.pk]), form_data(draft, to="ok@x.org, wrong@")
    )

    assert response.status_code == 400
    assert b"wrong@" in response.content
    assert OutgoingMessage.objects.get().state == State.DRAFT


def test_a_26_mb_upload_is_refused_with_a_clear_message(client, bob, draft, settings):
    settings.PARLEY_MAX_ATTACHMENT_MB = 1
    client.force_login(bob)
    big = SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")
    small = SimpleUploadedFile("small.pdf", b"%PDF", "application/pdf")

    response = client.post(
        reverse("web:compose_attach", args=[draft.pk]),
        {"files": [big, small]},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert "big.pdf is too large: files may be at most 1 MB." in response.content.decode()
    assert [a.filename for a in draft.attachments.all()] == ["small.pdf"]


def test_a_template_is_filled_in_for_the_draft(client, bob, draft, team_a):
    template = create_template(
        team=team_a, owner=None, name="Thanks", subject="", body_html="<p>{{ agent.name }}</p>"
    )
    client.force_login(bob)

    data = client.get(reverse("web:compose_template", args=[draft.pk, template.pk])).json()

    assert data == {"subject": "", "body_html": "<p>Bob Agent</p>", "unknown": []}


def test_addresses_are_suggested_from_visible_contacts_only(client, bob, team_a, team_b):
    jan = Contact.objects.create(team=team_a, first_name="Jan")
    ContactEmail.objects.create(contact=jan, team=team_a, address="jan@example.org")
    other = Contact.objects.create(team=team_b, first_name="Janina")
    ContactEmail.objects.create(contact=other, team=team_b, address="janina@example.org")
    client.force_login(bob)

    data = client.get(reverse("web:compose_addresses"), {"q": "ja"}).json()

    assert data == {"results": [{"address": "jan@example.org", "name": "Jan"}]}


def test_the_scheduled_list_shows_the_teams_scheduled_messages(client, alice, bob, draft, charlie):
    now = timezone.now()
    queue_message(outgoing=draft, user=bob, send_at=now + timedelta(days=2), now=now)
    client.force_login(alice)

    assert draft.subject.encode() in client.get(reverse("web:compose_scheduled")).content
    client.force_login(charlie)
    assert draft.subject.encode() not in client.get(reverse("web:compose_scheduled")).content


def test_the_pixel_records_opens_of_sent_tracked_messages_only(client, bob, draft):
    draft.track_opens = True
    draft.save(update_fields=["track_opens"])
    queued = queue_message(outgoing=draft, user=bob)
    url = reverse("web:compose_pixel", args=[queued.tracking_token])

    client.get(url, headers={"User-Agent": "Mail/1.0"})  # not sent yet
    assert queued.send_at is not None
    claim(pk=queued.pk, now=queued.send_at)
    OutgoingMessage.objects.filter(pk=queued.pk).update(state=State.SENT)
    response = client.get(url, headers={"User-Agent": "Mail/1.0"})
    client.force_login(bob)
    client.get(url)  # an agent's own view is not an open

    assert response["Content-Type"] == "image/gif"
    assert list(OpenEvent.objects.values_list("user_agent", flat=True)) == ["Mail/1.0"]


def test_an_agent_saves_a_personal_template_and_unknown_variables_are_refused(client, bob):
    client.force_login(bob)
    url = reverse("web:compose_templates")

    refused = client.post(url, {"name": "Bad", "subject": "", "body_html": "{{ contact.iq }}"})
    saved = client.post(
        url, {"name": "Hi", "subject": "", "body_html": "<p>Hi</p>", "personal": "on"}
    )

    assert "Unknown variables: contact.iq" in refused.content.decode()
    assert saved.status_code == 302
    [template] = ResponseTemplate.objects.all()
    assert template.owner == bob


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("dave", 403)])
def test_only_writers_of_the_team_edit_a_shared_template(client, request, team_a, persona, status):
    template = create_template(team=team_a, owner=None, name="T", subject="", body_html="x")
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        reverse("web:compose_template_edit", args=[template.pk]), {"delete": "1"}
    )

    assert response.status_code == status
    assert ResponseTemplate.objects.filter(pk=template.pk).exists()


def test_signatures_are_saved_per_mailbox(client, bob, offline_mailbox):
    client.force_login(bob)

    client.post(
        reverse("web:compose_signatures"),
        {"signature_all": "<p>Bob</p>", f"signature_{offline_mailbox.pk}": "<p>Bob, Support</p>"},
    )

    rows = dict(Signature.objects.filter(user=bob).values_list("mailbox_id", "body_html"))
    assert rows == {None: "<p>Bob</p>", offline_mailbox.pk: "<p>Bob, Support</p>"}


def test_my_drafts_are_listed_for_me_only(client, alice, bob, draft):
    client.force_login(bob)
    assert b'data-testid="drafts"' in client.get(reverse("web:compose_scheduled")).content
    client.force_login(alice)
    assert b'data-testid="drafts"' not in client.get(reverse("web:compose_scheduled")).content


def test_a_manager_turns_on_open_tracking_for_a_mailbox(
    client, alice, bob, offline_mailbox, parent
):
    client.force_login(bob)
    client.post(
        reverse("web:compose_mailbox_defaults"),
        {f"track_{offline_mailbox.pk}": "on", f"signature_{offline_mailbox.pk}": "x"},
    )
    assert not MailboxSendingSettings.objects.exists()  # an agent manages nothing

    client.force_login(alice)
    client.post(
        reverse("web:compose_mailbox_defaults"),
        {f"track_{offline_mailbox.pk}": "on", f"signature_{offline_mailbox.pk}": "<p>Team</p>"},
    )

    draft = start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)
    assert draft.track_opens
    assert "<p>Team</p>" in draft.body_html
