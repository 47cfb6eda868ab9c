"""/api/v1 tags, contact pictures and lock/unlock: owner, teammate, reader and outsider."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parley.contacts.models import Tag
from parley.contacts.services import create_contact, create_organization, tag_contact
from parley.contacts.services.avatars import set_contact_avatar
from parley.contacts.services.leads import create_lead
from parley.testing import api_headers, use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "blue").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"})


@pytest.fixture
def acme(team_a):
    return create_organization(team=team_a, fields={"name": "Acme"})


@pytest.fixture
def meble(team_a):
    return create_lead(team=team_a, name="Meble")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/teams/1/tags"),
        ("post", "/api/v1/teams/1/tags"),
        ("patch", "/api/v1/tags/1"),
        ("delete", "/api/v1/teams/1/custom-fields/1"),
        ("delete", "/api/v1/tags/1"),
        ("get", "/api/v1/contacts/1/avatar"),
        ("post", "/api/v1/contacts/1/avatar"),
        ("delete", "/api/v1/contacts/1/avatar"),
        ("post", "/api/v1/contacts/1/lock"),
        ("post", "/api/v1/organizations/1/lock"),
        ("post", "/api/v1/leads/1/lock"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert getattr(client, method)(url).status_code == 401


# Tags


def test_members_list_their_team_tags_with_counts(client, dave, team_a, jan):
    tag_contact(contact=jan, name="VIP")
    response = client.get(f"/api/v1/teams/{team_a.pk}/tags", headers=api_headers(dave))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": Tag.objects.get().pk,
            "team_id": team_a.pk,
            "name": "VIP",
            "contacts": 1,
            "organizations": 0,
        }
    ]


def test_outsiders_do_not_list_tags(client, charlie, team_a):
    response = client.get(f"/api/v1/teams/{team_a.pk}/tags", headers=api_headers(charlie))
    assert response.status_code == 404


def test_an_agent_creates_a_tag_once(client, bob, team_a):
    url = f"/api/v1/teams/{team_a.pk}/tags"
    response = client.post(
        url, {"name": " Hurt "}, content_type="application/json", headers=api_headers(bob)
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Hurt"
    again = client.post(
        url, {"name": "hurt"}, content_type="application/json", headers=api_headers(bob)
    )
    assert again.status_code == 422


def test_a_reader_cannot_create_a_tag(client, dave, team_a):
    response = client.post(
        f"/api/v1/teams/{team_a.pk}/tags",
        {"name": "X"},
        content_type="application/json",
        headers=api_headers(dave),
    )
    assert response.status_code == 403


def test_admins_rename_and_delete_tags_agents_may_not(client, alice, bob, charlie, jan):
    tag = tag_contact(contact=jan, name="VIP")
    url = f"/api/v1/tags/{tag.pk}"
    body = {"name": "Key account"}
    assert (
        client.patch(
            url, body, content_type="application/json", headers=api_headers(bob)
        ).status_code
        == 403
    )
    assert (
        client.patch(
            url, body, content_type="application/json", headers=api_headers(charlie)
        ).status_code
        == 404
    )
    response = client.patch(url, body, content_type="application/json", headers=api_headers(alice))
    assert response.status_code == 200
    assert response.json()["name"] == "Key account"
    assert client.delete(url, headers=api_headers(bob)).status_code == 403
    assert client.delete(url, headers=api_headers(alice)).status_code == 204
    assert not Tag.objects.exists()
    assert jan.tags.count() == 0


# Pictures


def test_an_agent_uploads_and_a_reader_downloads_a_picture(client, bob, dave, jan):
    url = f"/api/v1/contacts/{jan.pk}/avatar"
    upload = SimpleUploadedFile("me.png", _png(), content_type="image/png")
    response = client.post(url, {"file": upload}, headers=api_headers(bob))
    assert response.status_code == 204
    response = client.get(url, headers=api_headers(dave))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (256, 256)
    detail = client.get(f"/api/v1/contacts/{jan.pk}", headers=api_headers(dave)).json()
    assert detail["has_avatar"] is True


def test_a_non_image_upload_answers_422(client, bob, jan):
    upload = SimpleUploadedFile("me.png", b"not an image", content_type="image/png")
    response = client.post(
        f"/api/v1/contacts/{jan.pk}/avatar", {"file": upload}, headers=api_headers(bob)
    )
    assert response.status_code == 422
    assert "not an image" in response.json()["detail"]


def test_readers_and_outsiders_cannot_upload(client, dave, charlie, jan):
    url = f"/api/v1/contacts/{jan.pk}/avatar"
    for user, status in ((dave, 403), (charlie, 404)):
        upload = SimpleUploadedFile("me.png", _png(), content_type="image/png")
        assert client.post(url, {"file": upload}, headers=api_headers(user)).status_code == status


def test_outsiders_do_not_get_the_picture(client, alice, charlie, jan):
    set_contact_avatar(contact=jan, upload=io.BytesIO(_png()), actor=alice)
    response = client.get(f"/api/v1/contacts/{jan.pk}/avatar", headers=api_headers(charlie))
    assert response.status_code == 404


def test_an_agent_removes_the_picture(client, alice, bob, dave, jan):
    set_contact_avatar(contact=jan, upload=io.BytesIO(_png()), actor=alice)
    url = f"/api/v1/contacts/{jan.pk}/avatar"
    assert client.delete(url, headers=api_headers(dave)).status_code == 403
    assert client.delete(url, headers=api_headers(bob)).status_code == 204
    assert client.get(url, headers=api_headers(bob)).status_code == 404


# Locks


@pytest.fixture
def records(jan, acme, meble):
    return {"contact": jan, "organization": acme, "lead": meble}


@pytest.fixture
def people(alice, bob, charlie, dave):
    return alice, bob, charlie, dave


@pytest.mark.parametrize("kind", ["contact", "organization", "lead"])
def test_agents_lock_admins_unlock_and_locked_records_refuse_agents(client, people, records, kind):
    alice, bob, charlie, dave = people
    record = records[kind]
    base = f"/api/v1/{kind}s/{record.pk}"
    lock = {"locked": True}
    assert (
        client.post(
            f"{base}/lock", lock, content_type="application/json", headers=api_headers(dave)
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{base}/lock", lock, content_type="application/json", headers=api_headers(charlie)
        ).status_code
        == 404
    )
    response = client.post(
        f"{base}/lock", lock, content_type="application/json", headers=api_headers(bob)
    )
    assert response.json() == {"id": record.pk, "is_locked": True}
    assert client.get(base, headers=api_headers(bob)).json()["is_locked"] is True
    field = {"contact": "note", "organization": "note", "lead": "next_step"}[kind]
    patch = {field: "changed"}
    assert (
        client.patch(
            base, patch, content_type="application/json", headers=api_headers(bob)
        ).status_code
        == 403
    )
    unlock = {"locked": False}
    assert (
        client.post(
            f"{base}/lock", unlock, content_type="application/json", headers=api_headers(bob)
        ).status_code
        == 403
    )
    assert (
        client.patch(
            base, patch, content_type="application/json", headers=api_headers(alice)
        ).status_code
        == 200
    )
    response = client.post(
        f"{base}/lock", unlock, content_type="application/json", headers=api_headers(alice)
    )
    assert response.json()["is_locked"] is False
    assert (
        client.patch(
            base, patch, content_type="application/json", headers=api_headers(bob)
        ).status_code
        == 200
    )


def test_the_lead_list_filters_by_source_company_and_lock(client, bob, team_a, meble):
    create_lead(team=team_a, name="Okna", company="Oknex")
    client.post(
        f"/api/v1/leads/{meble.pk}/lock",
        {"locked": True},
        content_type="application/json",
        headers=api_headers(bob),
    )
    locked = client.get("/api/v1/leads?locked=true", headers=api_headers(bob)).json()["items"]
    assert [lead["name"] for lead in locked] == ["Meble"]
    by_company = client.get("/api/v1/leads?company=oknex", headers=api_headers(bob)).json()
    assert [lead["name"] for lead in by_company["items"]] == ["Okna"]


# Custom field definitions: delete


def test_admins_delete_a_custom_field_and_its_values(client, alice, bob, charlie, team_a):
    from parley.contacts.models import Contact, CustomField
    from parley.contacts.services.custom_fields import create_custom_field

    field = create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number")
    other = create_custom_field(team=team_a, target="contact", label="Uwagi", field_type="text")
    contact = create_contact(
        team=team_a, fields={"first_name": "Jan"}, custom={field.key: 10, other.key: "x"}
    )
    url = f"/api/v1/teams/{team_a.pk}/custom-fields/{field.pk}"
    assert client.delete(url, headers=api_headers(bob)).status_code == 403
    assert client.delete(url, headers=api_headers(charlie)).status_code == 404
    assert client.delete(url, headers=api_headers(alice)).status_code == 204
    assert list(CustomField.objects.all()) == [other]
    assert Contact.objects.get(pk=contact.pk).custom == {other.key: "x"}
    assert client.delete(url, headers=api_headers(alice)).status_code == 404


def test_organizations_take_addresses_and_numbers_over_the_api(client, bob, dave, team_a):
    response = client.post(
        "/api/v1/organizations",
        {"name": "Acme", "emails": ["Biuro@acme.pl"], "phones": ["22 628 12 34"]},
        content_type="application/json",
        headers=api_headers(bob),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["emails"] == ["biuro@acme.pl"]
    assert body["phones"] == [{"raw": "22 628 12 34", "e164": "+48226281234"}]
    url = f"/api/v1/organizations/{body['id']}"
    response = client.patch(
        url, {"phones": ["bad"]}, content_type="application/json", headers=api_headers(bob)
    )
    assert response.status_code == 422
    response = client.patch(
        url, {"emails": []}, content_type="application/json", headers=api_headers(bob)
    )
    assert response.json()["emails"] == []
    assert response.json()["phones"] == [{"raw": "22 628 12 34", "e164": "+48226281234"}]
    response = client.patch(
        url, {"emails": ["x@acme.pl"]}, content_type="application/json", headers=api_headers(dave)
    )
    assert response.status_code == 403
