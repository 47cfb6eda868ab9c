from __future__ import annotations

import pytest

from parley.contacts.models import Contact, Lead
from parley.contacts.services import create_contact
from parley.contacts.services.leads import create_lead
from parley.contacts.services.timeline import log_event
from parley.testing import api_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def meble(team_a):
    return create_lead(team=team_a, name="Meble", contact_name="Anna Nowak", phone="601234567")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/leads"),
        ("post", "/api/v1/leads"),
        ("get", "/api/v1/leads/1"),
        ("patch", "/api/v1/leads/1"),
        ("delete", "/api/v1/leads/1"),
        ("post", "/api/v1/leads/1/convert"),
        ("get", "/api/v1/contacts/1/timeline"),
        ("post", "/api/v1/contacts/1/events"),
        ("get", "/api/v1/teams/1/lists/stage"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert getattr(client, method)(url).status_code == 401


def test_an_agent_creates_and_lists_a_lead(client, bob, team_a):
    response = api_call(
        client,
        "post",
        "/api/v1/leads",
        bob,
        {"name": "Szafy", "email": "EWA@example.pl", "phone": "0048 22 628 12 34"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["phone_e164"], body["status"]) == (
        "ewa@example.pl",
        "+48226281234",
        "new",
    )
    assert body["code"] == f"L-{body['id']}"
    listed = api_call(client, "get", "/api/v1/leads?q=22 628 12 34", bob).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_a_bad_status_is_422(client, bob):
    response = api_call(client, "post", "/api/v1/leads", bob, {"name": "x", "status": "maybe"})
    assert response.status_code == 422


def test_a_reader_reads_but_cannot_write(client, dave, meble):
    assert api_call(client, "get", f"/api/v1/leads/{meble.pk}", dave).status_code == 200
    response = api_call(client, "patch", f"/api/v1/leads/{meble.pk}", dave, {"status": "won"})
    assert response.status_code == 403
    assert (
        api_call(client, "post", f"/api/v1/leads/{meble.pk}/convert", dave, {}).status_code == 403
    )


def test_an_outsider_gets_404(client, charlie, meble):
    assert api_call(client, "get", f"/api/v1/leads/{meble.pk}", charlie).status_code == 404
    assert api_call(client, "get", f"/api/v1/leads/{meble.pk}/timeline", charlie).status_code == 404
    assert api_call(client, "get", "/api/v1/leads", charlie).json()["items"] == []


def test_a_patch_changes_only_what_is_sent(client, bob, meble):
    response = api_call(
        client,
        "patch",
        f"/api/v1/leads/{meble.pk}",
        bob,
        {"status": "working", "salesperson_id": bob.pk},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["contact_name"]) == ("working", "Anna Nowak")
    timeline = api_call(client, "get", f"/api/v1/leads/{meble.pk}/timeline", bob).json()
    changes = [c for e in timeline["entries"] for c in e["activity"]["changes"]]
    assert {"field": "status", "old": "new", "new": "working"} in changes


def test_converting_returns_the_contact(client, bob, meble):
    response = api_call(client, "post", f"/api/v1/leads/{meble.pk}/convert", bob, {})
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert response.json()["contact_id"] == contact.pk
    assert response.json()["lead"]["converted_to_id"] == contact.pk
    again = api_call(client, "post", f"/api/v1/leads/{meble.pk}/convert", bob, {})
    assert again.status_code == 422


def test_only_admins_delete(client, bob, alice, meble):
    assert api_call(client, "delete", f"/api/v1/leads/{meble.pk}", bob).status_code == 403
    assert api_call(client, "delete", f"/api/v1/leads/{meble.pk}", alice).status_code == 204
    assert not Lead.objects.exists()


def test_an_event_is_logged_and_filtered(client, bob, team_a):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"})
    log_event(record=jan, kind="sms", text="SMS", actor=bob)
    response = api_call(
        client,
        "post",
        f"/api/v1/contacts/{jan.pk}/events",
        bob,
        {"kind": "call", "text": "Rozmowa"},
    )
    assert response.status_code == 201
    calls = api_call(client, "get", f"/api/v1/contacts/{jan.pk}/timeline?kind=call", bob).json()
    assert [e["text"] for e in calls["entries"]] == ["Rozmowa"]


def test_a_reader_cannot_log_an_event(client, dave, team_a):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"})
    response = api_call(
        client, "post", f"/api/v1/contacts/{jan.pk}/events", dave, {"kind": "call", "text": "x"}
    )
    assert response.status_code == 403


def test_a_team_list_is_readable_by_members_only(client, dave, charlie, team_a):
    response = api_call(client, "get", f"/api/v1/teams/{team_a.pk}/lists/lead_status", dave)
    assert [item["key"] for item in response.json()] == [
        "new",
        "working",
        "qualified",
        "won",
        "lost",
    ]
    assert (
        api_call(client, "get", f"/api/v1/teams/{team_a.pk}/lists/stage", charlie).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/teams/1/custom-fields"),
        ("post", "/api/v1/teams/1/custom-fields"),
        ("patch", "/api/v1/teams/1/custom-fields/1"),
    ],
)
def test_custom_field_endpoints_need_a_token(client, method, url):
    assert getattr(client, method)(url).status_code == 401


def test_an_admin_defines_a_field_and_an_agent_uses_it(client, alice, bob, team_a):
    response = api_call(
        client,
        "post",
        f"/api/v1/teams/{team_a.pk}/custom-fields",
        alice,
        {"target": "contact", "label": "Budżet", "field_type": "number"},
    )
    assert response.status_code == 201
    field_id = response.json()["id"]
    created = api_call(
        client, "post", "/api/v1/contacts", bob, {"first_name": "Jan", "custom": {"budzet": "12"}}
    )
    assert created.json()["custom"] == {"budzet": 12}
    bad = api_call(
        client, "post", "/api/v1/contacts", bob, {"first_name": "E", "custom": {"budzet": "x"}}
    )
    assert bad.status_code == 422
    listed = api_call(client, "get", "/api/v1/contacts?cf_budzet=12", bob).json()
    assert [item["first_name"] for item in listed["items"]] == ["Jan"]
    patched = api_call(
        client,
        "patch",
        f"/api/v1/teams/{team_a.pk}/custom-fields/{field_id}",
        alice,
        {"required": True},
    )
    assert patched.json()["required"] is True


def test_only_admins_and_managers_define_fields(client, bob, dave, charlie, team_a):
    body = {"target": "contact", "label": "X", "field_type": "text"}
    url = f"/api/v1/teams/{team_a.pk}/custom-fields"
    assert api_call(client, "post", url, bob, body).status_code == 403
    assert api_call(client, "post", url, dave, body).status_code == 403
    assert api_call(client, "post", url, charlie, body).status_code == 404
    assert api_call(client, "get", url, charlie).status_code == 404
    assert api_call(client, "get", url, dave).json() == []


def test_the_created_entry_reads_as_text_not_as_its_stored_key(client, bob, meble):
    timeline = api_call(client, "get", f"/api/v1/leads/{meble.pk}/timeline", bob).json()
    texts = [e["activity"]["text"] for e in timeline["entries"] if e["activity"]]
    assert "Created" in texts
    assert "created" not in texts
