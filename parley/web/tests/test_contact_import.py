from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parley.contacts.models import Contact

pytestmark = pytest.mark.django_db

CSV = b"first name,last name,email\nJan,Kowalski,jan@example.pl\nEwa,Nowak,bad address\n"


def _upload(client, team, data=CSV):
    return client.post(
        "/contacts/import/",
        {
            "team": team.pk,
            "kind": "contacts",
            "file": SimpleUploadedFile("kontakty.csv", data, "text/csv"),
        },
    )


def test_an_agent_maps_dry_runs_and_imports_valid_rows(client, bob, team_a):
    client.force_login(bob)
    assert _upload(client, team_a)["Location"] == "/contacts/import/map/"
    page = client.get("/contacts/import/map/")
    assert "kontakty.csv" in page.text
    mapping = {"col0": "first_name", "col1": "last_name", "col2": "email"}
    dry = client.post("/contacts/import/map/", mapping | {"action": "dry_run", "mode": "valid"})
    assert "Nothing was saved." in dry.text
    assert "bad address" in dry.text or "3" in dry.text
    assert not Contact.objects.exists()
    done = client.post("/contacts/import/map/", mapping | {"action": "import", "mode": "valid"})
    assert done.status_code == 200
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Kowalski"]
    assert client.get("/contacts/import/map/")["Location"] == "/contacts/import/"


def test_all_or_nothing_imports_nothing_with_a_bad_row(client, bob, team_a):
    client.force_login(bob)
    _upload(client, team_a)
    mapping = {"col0": "first_name", "col1": "last_name", "col2": "email"}
    client.post("/contacts/import/map/", mapping | {"action": "import", "mode": "all"})
    assert not Contact.objects.exists()


def test_a_broken_file_is_refused_at_upload(client, bob, team_a):
    client.force_login(bob)
    response = _upload(client, team_a, b"only a header\n")
    assert response.status_code == 200
    assert "header" in response.text


def test_a_reader_cannot_import(client, dave):
    client.force_login(dave)
    assert client.get("/contacts/import/").status_code == 403


def test_an_outsider_cannot_import_into_another_team(client, charlie, team_a):
    client.force_login(charlie)
    response = _upload(client, team_a)
    assert response.status_code == 200
    assert "/contacts/import/map/" not in response.get("Location", "")


def test_an_agent_imports_organizations(client, bob, team_a):
    from parley.contacts.models import Organization

    client.force_login(bob)
    client.post(
        "/contacts/import/",
        {
            "team": team_a.pk,
            "kind": "organizations",
            "file": SimpleUploadedFile("firmy.csv", b"Nazwa,NIP\nAcme,779-240-00-19\n", "text/csv"),
        },
    )
    page = client.get("/contacts/import/map/")
    assert "Tax id (NIP)" in page.text
    client.post(
        "/contacts/import/map/",
        {"col0": "name", "col1": "tax_id", "action": "import", "mode": "all"},
    )
    assert Organization.objects.get().tax_id == "7792400019"
