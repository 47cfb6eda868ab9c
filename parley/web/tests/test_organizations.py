from __future__ import annotations

import pytest

from parley.contacts.models import Contact, Organization
from parley.contacts.services import (
    create_contact,
    create_organization,
    set_organization_managers,
)
from parley.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(team_a):
    return create_organization(
        team=team_a,
        fields={"name": "Acme sp. z o.o.", "tax_id": "7792400019", "city": "Poznań"},
        domains=["acme.pl"],
        tags=["klient"],
    )


@pytest.fixture
def foreign(team_b):
    return create_organization(team=team_b, fields={"name": "Obca Firma"})


def test_the_list_shows_the_team_organizations_only(client, bob, acme, foreign):
    response = signed_in(client, bob).get("/organizations/")
    assert response.status_code == 200
    assert "Acme sp. z o.o." in response.text
    assert "Obca Firma" not in response.text


def test_the_list_searches_by_domain_nip_and_name(client, bob, team_a, acme):
    create_organization(team=team_a, fields={"name": "Beta"})
    client.force_login(bob)
    for q in ("ACME.pl", "779-240-00-19", "acme sp"):
        text = client.get("/organizations/", {"q": q}).text
        assert "Acme sp. z o.o." in text, q
        assert "Beta" not in text, q


def test_the_list_filters_by_tag_and_mine(client, bob, team_a, acme):
    create_organization(team=team_a, fields={"name": "Beta"})
    set_organization_managers(organization=acme, users=[bob])
    client.force_login(bob)
    tag = acme.tags.get()
    assert "Beta" not in client.get("/organizations/", {"tag": tag.pk}).text
    mine = client.get("/organizations/", {"mine": "1"}).text
    assert "Acme" in mine
    assert "Beta" not in mine


def test_the_list_answers_htmx_with_the_results_fragment(client, dave, acme):
    response = signed_in(client, dave).get("/organizations/", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="results">')


def test_the_page_lists_the_organization_contacts(client, dave, team_a, acme):
    create_contact(team=team_a, fields={"first_name": "Jan"}, organization=acme)
    create_contact(team=team_a, fields={"first_name": "Ewa"})
    response = signed_in(client, dave).get(f"/organizations/{acme.pk}/")
    assert response.status_code == 200
    assert "Jan" in response.text
    assert "Ewa" not in response.text
    assert f"/organizations/{acme.pk}/edit/" not in response.text


def test_an_outsider_gets_404_for_the_page(client, charlie, acme):
    assert signed_in(client, charlie).get(f"/organizations/{acme.pk}/").status_code == 404


def test_an_agent_creates_an_organization(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/organizations/new/",
        {
            "team": team_a.pk,
            "name": "Nowa Firma",
            "tax_id": "PL 527 102 03 07",
            "domains": "nowa.pl, Nowa.COM",
        },
    )
    organization = Organization.objects.get(name="Nowa Firma")
    assert response.status_code == 302
    assert organization.tax_id == "5271020307"
    assert sorted(organization.domains.values_list("domain", flat=True)) == ["nowa.com", "nowa.pl"]


def test_the_form_shows_a_wrong_nip(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/organizations/new/", {"team": team_a.pk, "name": "Zła", "tax_id": "1234567890"}
    )
    assert response.status_code == 200
    assert "checksum" in response.text
    assert not Organization.objects.exists()


def test_the_form_shows_a_domain_of_another_organization(client, bob, team_a, acme):
    response = signed_in(client, bob).post(
        "/organizations/new/", {"team": team_a.pk, "name": "Kopia", "domains": "acme.pl"}
    )
    assert "already belongs to" in response.text
    assert Organization.objects.count() == 1


def test_a_reader_may_not_create_organizations(client, dave):
    assert signed_in(client, dave).get("/organizations/new/").status_code == 403


def test_an_agent_edits_an_organization(client, bob, team_a, acme):
    client.force_login(bob)
    assert 'value="acme.pl"' in client.get(f"/organizations/{acme.pk}/edit/").text
    response = client.post(
        f"/organizations/{acme.pk}/edit/",
        {
            "team": team_a.pk,
            "name": "Acme S.A.",
            "domains": "acme.com",
            "tags": "",
            "managers": [bob.pk],
        },
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Acme S.A."
    assert acme.tax_id == ""
    assert list(acme.domains.values_list("domain", flat=True)) == ["acme.com"]
    assert not acme.tags.exists()
    assert list(acme.managers.all()) == [bob]


def test_a_reader_may_not_edit(client, dave, acme):
    assert signed_in(client, dave).post(f"/organizations/{acme.pk}/edit/", {}).status_code == 403


def test_an_outsider_gets_404_when_editing(client, charlie, acme):
    assert signed_in(client, charlie).get(f"/organizations/{acme.pk}/edit/").status_code == 404


def test_an_admin_deletes_an_organization_and_keeps_its_contacts(client, alice, team_a, acme):
    create_contact(team=team_a, fields={"first_name": "Jan"}, organization=acme)
    response = signed_in(client, alice).post(f"/organizations/{acme.pk}/delete/")
    assert response.status_code == 302
    assert not Organization.objects.exists()
    assert Contact.objects.get().organization is None


def test_an_agent_may_not_delete(client, bob, acme):
    assert signed_in(client, bob).post(f"/organizations/{acme.pk}/delete/").status_code == 403


def test_an_outsider_gets_404_when_deleting(client, charlie, acme):
    assert signed_in(client, charlie).post(f"/organizations/{acme.pk}/delete/").status_code == 404


def test_the_list_filters_on_every_field_and_exports(client, bob, charlie, team_a):
    import csv
    import io

    from parley.contacts.services import create_organization

    create_organization(
        team=team_a,
        fields={"name": "Stolarnia", "tax_id": "779-240-00-19", "city": "Poznań"},
        domains=["stolarnia.pl"],
    )
    create_organization(team=team_a, fields={"name": "Księgarnia", "city": "Gdańsk"})
    client.force_login(bob)
    for params in ({"tax_id": "7792400019"}, {"domain": "stolar"}, {"city": "pozn"}):
        text = client.get("/organizations/", params).text
        assert "Stolarnia" in text, params
        assert "Księgarnia" not in text, params
    response = client.get("/organizations/export.csv", {"city": "Gdańsk"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows] == ["Name", "Księgarnia"]
    client.force_login(charlie)
    response = client.get("/organizations/export.csv")
    assert "Stolarnia" not in response.content.decode("utf-8-sig")
