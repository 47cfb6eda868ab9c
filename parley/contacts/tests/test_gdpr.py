from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from parley.contacts.gdpr import export_zip
from parley.contacts.models import Activity, ContactEmail, ContactPhone
from parley.contacts.services import NewPhone, create_contact, update_contact_profile
from parley.contacts.services.gdpr import erase_contact
from parley.contacts.services.leads import convert_lead, create_lead
from parley.contacts.services.timeline import log_event
from parley.mail.blobs import raw_path
from parley.mail.models import FolderRole, Message
from parley.mail.services import redact_messages
from parley.mail.tests.support import ingest_at, make_folder, make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db

RAW = (
    b"From: Jan Kowalski <jan@example.pl>\r\nTo: support@parley.test\r\n"
    b"Subject: Zamowienie\r\nMessage-ID: <g1@example.pl>\r\n"
    b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nProsze o oferte.\r\n"
)


@pytest.fixture
def jan(team_a, bob):
    lead = create_lead(
        team=team_a, name="Oferta", contact_name="Jan Kowalski", email="jan@example.pl"
    )
    contact = convert_lead(lead=lead, actor=bob)
    update_contact_profile(contact=contact, fields={"city": "Gdańsk"}, actor=bob)
    log_event(record=contact, kind="call", text="Jan prosi o kontakt", actor=bob)
    return contact


def test_the_export_holds_the_record_timeline_and_raw_mail(team_a, jan, settings, tmp_path):
    use_tmp_storage(settings, tmp_path)
    ingest_at(RAW, make_folder(make_mailbox(team_a)), 1)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(jan)))
    data = json.loads(archive.read("contact.json"))
    assert (data["first_name"], data["emails"]) == ("Jan", ["jan@example.pl"])
    assert data["leads"][0]["name"] == "Oferta"
    assert any(entry["text"] == "Jan prosi o kontakt" for entry in data["timeline"])
    assert [m["subject"] for m in data["messages"]] == ["Zamowienie"]
    assert archive.read(data["messages"][0]["file"]) == RAW


def test_erasing_redacts_everything_personal_and_keeps_an_audit_entry(team_a, jan, alice):
    erase_contact(contact=jan, actor=alice)
    jan.refresh_from_db()
    assert jan.first_name.startswith("Erased contact")
    assert (jan.last_name, jan.city, jan.custom) == ("", "", {})
    assert not ContactEmail.objects.filter(contact=jan).exists()
    assert not ContactPhone.objects.filter(contact=jan).exists()
    lead = jan.leads.get()
    assert (lead.contact_name, lead.email) == ("", "")
    texts = list(Activity.objects.filter(contact=jan).values_list("text", flat=True))
    assert not any("Jan" in text or "Gdańsk" in text for text in texts)
    assert Activity.objects.filter(contact=jan, actor=alice, text__contains="GDPR").exists()
    assert not Activity.objects.exclude(changes=[]).filter(contact=jan).exists()


def test_erasing_a_contact_without_mail_works(team_a, alice):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, phones=[NewPhone("601234567")])
    erase_contact(contact=ewa, actor=alice)
    assert not ewa.phones.exists()


REPLY = (
    b"From: Support <support@parley.test>\r\nTo: Jan Kowalski <jan@example.pl>\r\n"
    b"Subject: Re: Zamowienie\r\nMessage-ID: <g2@parley.test>\r\nIn-Reply-To: <g1@example.pl>\r\n"
    b"Date: Mon, 2 Mar 2026 11:00:00 +0100\r\n\r\nDzien dobry Panie Janie.\r\n"
)


@pytest.fixture
def inbox(team_a, settings, tmp_path):
    use_tmp_storage(settings, tmp_path)
    return make_folder(make_mailbox(team_a))


@pytest.fixture
def erased_message(inbox, jan, alice):
    message = ingest_at(RAW, inbox, 1).message
    erase_contact(contact=jan, actor=alice)
    return message


def test_erasing_redacts_the_contacts_mail_and_says_how_much(
    inbox, jan, alice, django_capture_on_commit_callbacks
):
    received = ingest_at(RAW, inbox, 1).message
    reply = ingest_at(REPLY, make_folder(inbox.mailbox, "Sent", FolderRole.SENT), 1).message
    with django_capture_on_commit_callbacks(execute=True):
        erase_contact(contact=jan, actor=alice)
    for message in Message.objects.filter(pk__in=[received.pk, reply.pk]):
        stored = f"{message.from_name} {message.from_address} {message.to} {message.text}"
        assert message.is_erased
        assert "Jan" not in stored
        assert "jan@example.pl" not in stored
        assert not storages["default"].exists(raw_path(message.raw_sha256))
    audit = Activity.objects.get(contact=jan, text__contains="GDPR")
    assert "2 e-mails redacted" in audit.text


def test_an_erased_message_answers_gone_to_teammates_and_404_to_outsiders(
    erased_message, bob, charlie, client
):
    url = reverse("web:message_raw", args=[erased_message.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 410
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_the_export_skips_messages_erased_earlier(team_a, inbox, jan):
    ingest_at(RAW, inbox, 1)
    # The same person's mail, erased through another contact who shared the address.
    redact_messages(team_id=team_a.pk, addresses=["jan@example.pl"])
    archive = zipfile.ZipFile(io.BytesIO(export_zip(jan)))
    assert json.loads(archive.read("contact.json"))["messages"] == []
    assert not [name for name in archive.namelist() if name.startswith("messages/")]
