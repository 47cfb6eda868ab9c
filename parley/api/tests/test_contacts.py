from __future__ import annotations

import pytest

from parley.contacts.models import Contact
from parley.contacts.services import NewPhone, create_contact, create_organization, tag_contact
from parley.testing import api_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": "Jan", "last_name": "Kowalski"},
        emails=["jan@example.pl"],
        phones=[NewPhone("601 234 567")],
    )


def _json(client, method, url, user, body=None):
    kwargs: dict[str, object] = {"headers": api_headers(user)}
    if body is not None:
        kwargs |= {"data": body, "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


# Negative authentication on every endpoint


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/contacts"),
        ("post", "/api/v1/contacts"),
        ("get", "/api/v1/contacts/1"),
        ("patch", "/api/v1/contacts/1"),
        ("delete", "/api/v1/contacts/1"),
        ("post", "/api/v1/contacts/1/emails"),
        ("delete", "/api/v1/contacts/1/emails/1"),
        ("post", "/api/v1/contacts/1/phones"),
        ("delete", "/api/v1/contacts/1/phones/1"),
        ("get", "/api/v1/organizations"),
        ("post", "/api/v1/organizations"),
        ("get", "/api/v1/organizations/1"),
        ("patch", "/api/v1/organizations/1"),
        ("delete", "/api/v1/organizations/1"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert getattr(client, method)(url).status_code == 401


def test_an_outsider_gets_404_for_a_contact(client, charlie, jan):
    for method in ("get", "patch", "delete"):
        body: dict[str, object] | None = {} if method == "patch" else None
        response = _json(client, method, f"/api/v1/contacts/{jan.pk}", charlie, body)
        assert response.status_code == 404, method
    response = _json(
        client, "post", f"/api/v1/contacts/{jan.pk}/emails", charlie, {"address": "x@y.pl"}
    )
    assert response.status_code == 404


def test_a_reader_reads_but_may_not_write(client, dave, team_a, jan):
    assert _json(client, "get", f"/api/v1/contacts/{jan.pk}", dave).status_code == 200
    response = _json(client, "patch", f"/api/v1/contacts/{jan.pk}", dave, {"position": "x"})
    assert response.status_code == 403
    response = _json(
        client, "post", "/api/v1/contacts", dave, {"team_id": team_a.pk, "first_name": "X"}
    )
    assert response.status_code == 403
    phone = jan.phones.get()
    assert (
        _json(client, "delete", f"/api/v1/contacts/{jan.pk}/phones/{phone.pk}", dave).status_code
        == 403
    )
    assert _json(client, "delete", f"/api/v1/contacts/{jan.pk}", dave).status_code == 403


def test_an_agent_may_not_delete_but_an_admin_may(client, bob, alice, jan):
    assert _json(client, "delete", f"/api/v1/contacts/{jan.pk}", bob).status_code == 403
    assert _json(client, "delete", f"/api/v1/contacts/{jan.pk}", alice).status_code == 204
    assert not Contact.objects.exists()


# Contacts


def test_it_lists_the_team_contacts_with_filters(client, bob, team_a, team_b, jan):
    create_contact(team=team_b, fields={"first_name": "Obcy"})
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"})
    tag = tag_contact(contact=ewa, name="VIP")

    body = _json(client, "get", "/api/v1/contacts", bob).json()
    assert body["count"] == 2
    assert {item["first_name"] for item in body["items"]} == {"Jan", "Ewa"}

    by_phone = _json(client, "get", "/api/v1/contacts?q=%2B48601234567", bob).json()
    assert [item["id"] for item in by_phone["items"]] == [jan.pk]
    by_tag = _json(client, "get", f"/api/v1/contacts?tag={tag.pk}", bob).json()
    assert [item["id"] for item in by_tag["items"]] == [ewa.pk]
    page = _json(client, "get", "/api/v1/contacts?limit=1&offset=1", bob).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1


def test_it_returns_a_contact_with_addresses_and_numbers(client, bob, jan):
    body = _json(client, "get", f"/api/v1/contacts/{jan.pk}", bob).json()
    assert body["display_name"] == "Jan Kowalski"
    assert body["emails"] == [
        {"id": jan.emails.get().pk, "address": "jan@example.pl", "is_primary": True}
    ]
    assert body["phones"][0]["e164"] == "+48601234567"
    assert body["phones"][0]["raw"] == "601 234 567"


def test_it_creates_a_contact(client, bob, team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    response = _json(
        client,
        "post",
        "/api/v1/contacts",
        bob,
        {
            "first_name": "Łucja",
            "last_name": "Żak",
            "stage": "customer",
            "organization_id": acme.pk,
            "emails": ["Lucja@Example.pl"],
            "phones": [{"number": "0048 22 628 12 34", "kind": "work"}],
            "tags": ["VIP"],
            "manager_ids": [bob.pk],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["team_id"] == team_a.pk
    assert body["organization_id"] == acme.pk
    assert body["emails"][0]["address"] == "lucja@example.pl"
    assert body["phones"][0]["e164"] == "+48226281234"
    assert body["tags"] == ["VIP"]
    assert body["manager_ids"] == [bob.pk]


def test_it_reports_a_duplicate_address_as_422(client, bob, jan):
    response = _json(
        client, "post", "/api/v1/contacts", bob, {"first_name": "X", "emails": ["JAN@example.pl"]}
    )
    assert response.status_code == 422
    assert "another contact" in response.json()["detail"]


def test_it_refuses_a_manager_from_another_team(client, bob, charlie):
    response = _json(
        client, "post", "/api/v1/contacts", bob, {"first_name": "X", "manager_ids": [charlie.pk]}
    )
    assert response.status_code == 422


def test_it_refuses_to_create_in_a_team_of_others(client, bob, team_b):
    response = _json(
        client, "post", "/api/v1/contacts", bob, {"team_id": team_b.pk, "first_name": "X"}
    )
    assert response.status_code == 404


def test_it_patches_only_the_fields_sent(client, bob, team_a, jan):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    body = _json(
        client,
        "patch",
        f"/api/v1/contacts/{jan.pk}",
        bob,
        {"position": "CEO", "organization_id": acme.pk},
    ).json()
    assert (body["position"], body["last_name"], body["organization_id"]) == (
        "CEO",
        "Kowalski",
        acme.pk,
    )
    body = _json(
        client, "patch", f"/api/v1/contacts/{jan.pk}", bob, {"organization_id": None}
    ).json()
    assert body["organization_id"] is None
    assert body["position"] == "CEO"


def test_it_adds_and_removes_addresses_and_numbers(client, bob, jan):
    response = _json(
        client, "post", f"/api/v1/contacts/{jan.pk}/phones", bob, {"number": "22 628 12 34"}
    )
    assert response.status_code == 201
    assert response.json()["e164"] == "+48226281234"
    bad = _json(client, "post", f"/api/v1/contacts/{jan.pk}/phones", bob, {"number": "12"})
    assert bad.status_code == 422
    email = _json(
        client, "post", f"/api/v1/contacts/{jan.pk}/emails", bob, {"address": "j2@example.pl"}
    )
    assert email.status_code == 201
    email_id = email.json()["id"]
    assert (
        _json(client, "delete", f"/api/v1/contacts/{jan.pk}/emails/{email_id}", bob).status_code
        == 204
    )
    assert jan.emails.count() == 1


# Organizations


def test_organizations_crud(client, bob, alice, team_a):
    created = _json(
        client,
        "post",
        "/api/v1/organizations",
        bob,
        {"name": "Acme", "tax_id": "779-240-00-19", "domains": ["Acme.pl"], "tags": ["klient"]},
    )
    assert created.status_code == 201
    org = created.json()
    assert (org["tax_id"], org["domains"], org["tags"]) == ("7792400019", ["acme.pl"], ["klient"])

    listed = _json(client, "get", "/api/v1/organizations?q=acme.pl", bob).json()
    assert [item["id"] for item in listed["items"]] == [org["id"]]

    patched = _json(
        client,
        "patch",
        f"/api/v1/organizations/{org['id']}",
        bob,
        {"city": "Gdańsk", "domains": []},
    )
    assert (patched.json()["city"], patched.json()["domains"], patched.json()["name"]) == (
        "Gdańsk",
        [],
        "Acme",
    )

    assert _json(client, "delete", f"/api/v1/organizations/{org['id']}", bob).status_code == 403
    assert _json(client, "delete", f"/api/v1/organizations/{org['id']}", alice).status_code == 204


def test_a_wrong_nip_is_422(client, bob):
    response = _json(
        client, "post", "/api/v1/organizations", bob, {"name": "Zła", "tax_id": "1234567890"}
    )
    assert response.status_code == 422


def test_organizations_are_hidden_from_outsiders_and_read_only_for_readers(
    client, charlie, dave, team_a
):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    assert _json(client, "get", f"/api/v1/organizations/{acme.pk}", charlie).status_code == 404
    assert _json(client, "get", "/api/v1/organizations", charlie).json()["count"] == 0
    assert _json(client, "get", f"/api/v1/organizations/{acme.pk}", dave).status_code == 200
    assert (
        _json(client, "patch", f"/api/v1/organizations/{acme.pk}", dave, {"name": "B"}).status_code
        == 403
    )


def test_the_list_query_count_does_not_grow_with_contacts(
    client, bob, team_a, django_assert_max_num_queries
):
    headers = api_headers(bob)
    for n in range(15):
        contact = create_contact(
            team=team_a,
            fields={"first_name": f"P{n}"},
            emails=[f"p{n}@example.pl"],
            phones=[NewPhone(f"601 234 5{n:02d}")],
        )
        tag_contact(contact=contact, name=f"t{n % 3}")
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/contacts", headers=headers).json()
    assert body["count"] == 15
    assert all(item["emails"] and item["phones"] and item["tags"] for item in body["items"])


def test_the_api_follows_account_roles(client, bob, dave, team_a):
    from parley.contacts.services.account_roles import grant_account_role

    partner = create_contact(
        team=team_a, fields={"first_name": "Partnerka", "account_type": "partner"}
    )
    grant_account_role(team=team_a, user=dave, account_type="partner", role="reader")
    assert _json(client, "get", f"/api/v1/contacts/{partner.pk}", bob).status_code == 404
    assert _json(client, "get", "/api/v1/contacts", bob).json()["items"] == []
    assert _json(client, "get", f"/api/v1/contacts/{partner.pk}", dave).status_code == 200


def test_gdpr_endpoints_need_a_token(client):
    assert client.get("/api/v1/contacts/1/gdpr-export").status_code == 401
    assert client.post("/api/v1/contacts/1/erase").status_code == 401


def test_gdpr_export_and_erase_are_for_admins(client, alice, bob, charlie, jan):
    assert _json(client, "get", f"/api/v1/contacts/{jan.pk}/gdpr-export", bob).status_code == 403
    assert _json(client, "post", f"/api/v1/contacts/{jan.pk}/erase", charlie).status_code == 404
    response = _json(client, "get", f"/api/v1/contacts/{jan.pk}/gdpr-export", alice)
    assert response["Content-Type"] == "application/zip"
    erased = _json(client, "post", f"/api/v1/contacts/{jan.pk}/erase", alice)
    assert erased.json()["emails"] == []


def test_the_list_takes_every_filter(client, bob, team_a, jan):
    create_contact(team=team_a, fields={"first_name": "Ewa", "city": "Gdańsk"})
    body = _json(client, "get", "/api/v1/contacts?city=gda", bob).json()
    assert [item["first_name"] for item in body["items"]] == ["Ewa"]
    body = _json(client, "get", "/api/v1/contacts?phone=0048601234567", bob).json()
    assert [item["first_name"] for item in body["items"]] == ["Jan"]
    body = _json(client, "get", "/api/v1/organizations?city=nowhere", bob).json()
    assert body["items"] == []
