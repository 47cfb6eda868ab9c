"""Settings → Mailboxes: admins/managers change, members read, outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parley.mail.models import Mailbox
from parley.mail.secrets import decrypt_secret
from parley.mail.services import MailboxSettings, create_mailbox, pause_mailbox
from parley.mail.sync import record_failure
from parley.mail.testing.servers import (
    DEFAULT_PASSWORD,
    DovecotServer,
    dovecot_available,
    free_port,
)

LIST = reverse("web:mailboxes")
ADD = reverse("web:mailbox_add")


@pytest.fixture(scope="module")
def imap_server():
    if not dovecot_available():
        pytest.skip("Dovecot is not installed.")
    with DovecotServer.start() as server:
        yield server


def _mailbox(team, *, port: int = 993, username: str = "support", secret: str = "pw") -> Mailbox:  # noqa: S107
    settings = MailboxSettings(
        name="support",
        email="support@example.com",
        imap_host="127.0.0.1",
        imap_port=port,
        imap_security="none",
        username=username,
    )
    return create_mailbox(team=team, settings=settings, secret=secret)


def _form(**overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "sales",
        "email": "sales@example.com",
        "display_name": "Sales",
        "imap_host": "127.0.0.1",
        "imap_port": 143,
        "imap_security": "none",
        "username": "sales",
        "auth_method": "password",
        "password": "s3cret",
        "smtp_host": "127.0.0.1",
        "smtp_port": 25,
        "smtp_security": "none",
        "folders": "",
    }
    data.update(overrides)
    return data


def test_members_see_the_sync_status(client, dave, team_a):
    mailbox = _mailbox(team_a)
    record_failure(mailbox, RuntimeError("The server rejected the login"))
    client.force_login(dave)
    page = client.get(LIST).text
    assert "support@example.com" in page
    assert "The server rejected the login" in page
    assert reverse("web:mailbox_edit", args=[mailbox.pk]) not in page


def test_outsiders_do_not_see_the_mailbox(client, charlie, team_a):
    mailbox = _mailbox(team_a)
    client.force_login(charlie)
    assert "support@example.com" not in client.get(LIST).text
    assert client.get(reverse("web:mailbox_edit", args=[mailbox.pk])).status_code == 404
    assert client.post(reverse("web:mailbox_remove", args=[mailbox.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["bob", "dave"])
def test_agents_and_readers_cannot_change_a_mailbox(client, request, persona, team_a):
    mailbox = _mailbox(team_a)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("web:mailbox_edit", args=[mailbox.pk])).status_code == 403
    assert client.post(reverse("web:mailbox_pause", args=[mailbox.pk])).status_code == 403
    assert client.post(reverse("web:mailbox_remove", args=[mailbox.pk])).status_code == 403
    assert client.get(ADD).status_code == 403
    assert Mailbox.objects.get(pk=mailbox.pk).is_active


def test_an_admin_adds_a_mailbox(client, alice, team_a):
    client.force_login(alice)
    response = client.post(ADD, _form(team=team_a.pk, folders="INBOX, Sent"))
    assert response.status_code == 302
    mailbox = Mailbox.objects.get(name="sales")
    assert mailbox.team == team_a
    assert decrypt_secret(mailbox.secret_encrypted) == "s3cret"
    assert set(mailbox.folders.values_list("name", flat=True)) == {"INBOX", "Sent"}


def test_adding_rejects_plain_imap_to_a_remote_host(client, alice, team_a):
    client.force_login(alice)
    response = client.post(ADD, _form(team=team_a.pk, imap_host="mail.example.com"))
    assert response.status_code == 200
    assert "loopback" in response.text
    assert not Mailbox.objects.exists()


def test_an_admin_cannot_add_to_another_team(client, alice, team_a, team_b):
    client.force_login(alice)
    response = client.post(ADD, _form(team=team_b.pk))
    assert response.status_code == 200
    assert not Mailbox.objects.exists()


def test_editing_keeps_the_password_when_left_empty(client, alice, team_a):
    mailbox = _mailbox(team_a)
    client.force_login(alice)
    edit = reverse("web:mailbox_edit", args=[mailbox.pk])
    assert 'value="support"' in client.get(edit).text
    response = client.post(
        edit, _form(team=team_a.pk, name="support", display_name="Help", password="")
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.display_name == "Help"
    assert decrypt_secret(mailbox.secret_encrypted) == "pw"


def test_an_admin_pauses_resumes_and_removes(client, alice, team_a):
    mailbox = _mailbox(team_a)
    client.force_login(alice)
    client.post(reverse("web:mailbox_pause", args=[mailbox.pk]))
    assert not Mailbox.objects.get(pk=mailbox.pk).is_active
    assert "Paused" in client.get(LIST).text
    client.post(reverse("web:mailbox_pause", args=[mailbox.pk]), {"resume": "1"})
    assert Mailbox.objects.get(pk=mailbox.pk).is_active
    client.post(reverse("web:mailbox_remove", args=[mailbox.pk]))
    assert not Mailbox.objects.exists()


def test_a_manager_of_the_team_may_pause(client, bob, team_a):
    from parley.accounts.services import set_membership

    set_membership(user=bob, team=team_a, role="manager")
    mailbox = _mailbox(team_a)
    client.force_login(bob)
    client.post(reverse("web:mailbox_pause", args=[mailbox.pk]))
    assert not Mailbox.objects.get(pk=mailbox.pk).is_active
    pause_mailbox(mailbox=mailbox)


@pytest.mark.integration
def test_test_connection_shows_success(client, alice, team_a, imap_server):
    imap_user = imap_server.add_user()
    mailbox = _mailbox(team_a, port=imap_server.port, username=imap_user, secret=DEFAULT_PASSWORD)
    client.force_login(alice)
    response = client.post(reverse("web:mailbox_test", args=[mailbox.pk]), follow=True)
    assert "connection works" in response.text
    assert "Sent folder: Sent" in response.text


@pytest.mark.integration
def test_test_connection_shows_the_specific_error(client, alice, team_a, imap_server):
    imap_user = imap_server.add_user()
    mailbox = _mailbox(team_a, port=imap_server.port, username=imap_user, secret="wrong")
    client.force_login(alice)
    response = client.post(reverse("web:mailbox_test", args=[mailbox.pk]), follow=True)
    assert "rejected the login" in response.text


@pytest.mark.integration
def test_test_connection_shows_an_unreachable_host(client, alice, team_a):
    mailbox = _mailbox(team_a, port=free_port())
    client.force_login(alice)
    response = client.post(reverse("web:mailbox_test", args=[mailbox.pk]), follow=True)
    assert "Cannot connect" in response.text
