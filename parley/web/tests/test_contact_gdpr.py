from __future__ import annotations

import io
import json
import zipfile

import pytest

from parley.contacts.services import create_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])


def test_an_admin_downloads_the_export(client, alice, jan):
    client.force_login(alice)
    response = client.get(f"/contacts/{jan.pk}/gdpr-export/")
    assert response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("contact.json"))
    assert data["emails"] == ["jan@example.pl"]


def test_an_admin_erases_after_confirming(client, alice, jan):
    client.force_login(alice)
    client.post(f"/contacts/{jan.pk}/erase/")
    jan.refresh_from_db()
    assert jan.first_name == "Jan"
    client.post(f"/contacts/{jan.pk}/erase/", {"confirm": "1"})
    jan.refresh_from_db()
    assert jan.first_name.startswith("Erased")


def test_agents_and_readers_may_not(client, bob, dave, jan):
    for user in (bob, dave):
        client.force_login(user)
        assert client.get(f"/contacts/{jan.pk}/gdpr-export/").status_code == 403
        assert client.post(f"/contacts/{jan.pk}/erase/", {"confirm": "1"}).status_code == 403


def test_an_outsider_gets_404(client, charlie, jan):
    client.force_login(charlie)
    assert client.get(f"/contacts/{jan.pk}/gdpr-export/").status_code == 404
    assert client.post(f"/contacts/{jan.pk}/erase/", {"confirm": "1"}).status_code == 404
