from __future__ import annotations

import pytest

from parley.contacts.choices import options_for
from parley.contacts.models import ChoiceKind

pytestmark = pytest.mark.django_db


def test_an_admin_sees_the_default_lists(client, alice):
    client.force_login(alice)
    response = client.get("/settings/lists/")
    assert response.status_code == 200
    assert "Prospect" in response.text
    assert "Qualified" in response.text


def test_an_admin_adds_and_renames_an_entry(client, alice, team_a):
    client.force_login(alice)
    response = client.post(
        "/settings/lists/", {"kind": "source", "action": "add", "label": "Targi"}
    )
    assert response.status_code == 302
    client.post(
        "/settings/lists/",
        {"kind": "source", "action": "rename", "key": "targi", "label": "Targi branżowe"},
    )
    assert [(o.key, o.label) for o in options_for(team_a.pk, ChoiceKind.SOURCE)] == [
        ("targi", "Targi branżowe")
    ]


def test_an_admin_deactivates_a_default_stage(client, alice, team_a):
    client.force_login(alice)
    client.post("/settings/lists/", {"kind": "stage", "action": "deactivate", "key": "other"})
    assert "other" not in [o.key for o in options_for(team_a.pk, ChoiceKind.STAGE)]


def test_an_agent_is_refused(client, bob):
    client.force_login(bob)
    assert client.get("/settings/lists/").status_code == 403


def test_a_reader_is_refused(client, dave):
    client.force_login(dave)
    assert client.get("/settings/lists/").status_code == 403


def test_an_outsider_cannot_open_another_team(client, alice, team_b):
    client.force_login(alice)
    assert client.get("/settings/lists/", {"team": team_b.pk}).status_code == 404
    response = client.post(
        f"/settings/lists/?team={team_b.pk}", {"kind": "stage", "action": "add", "label": "X"}
    )
    assert response.status_code == 404
    assert [o.key for o in options_for(team_b.pk, ChoiceKind.STAGE)][-1] == "other"


def test_the_contact_form_offers_the_team_stages(client, alice, team_a):
    client.force_login(alice)
    client.post("/settings/lists/", {"kind": "stage", "action": "add", "label": "Dormant"})
    assert 'value="dormant"' in client.get("/contacts/new/").text
