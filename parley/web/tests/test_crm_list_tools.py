"""Organization and lead lists: sort labels, column choice, saved views, bulk mass edit,
lock/unlock and delete with a result per record, and the lock rule on their pages."""

from __future__ import annotations

import pytest

from parley.contacts.listing import LEAD_COLUMNS
from parley.contacts.models import Lead, Organization, SavedView
from parley.contacts.services import create_organization
from parley.contacts.services.leads import create_lead
from parley.contacts.services.saved_views import save_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(team_a):
    return [
        create_organization(team=team_a, fields={"name": "Acme", "city": "Poznań"}),
        create_organization(team=team_a, fields={"name": "Beta", "city": "Gdańsk"}),
    ]


@pytest.fixture
def foreign_org(team_b):
    return create_organization(team=team_b, fields={"name": "Obca Firma"})


@pytest.fixture
def leads(team_a):
    return [
        create_lead(team=team_a, name="Meble", company="Meblex"),
        create_lead(team=team_a, name="Okna", company="Oknex"),
    ]


@pytest.fixture
def foreign_lead(team_b):
    return create_lead(team=team_b, name="Obcy lead")


# Sort menus and columns


def test_the_contact_sort_menu_shows_labels_not_field_names(client, bob):
    client.force_login(bob)
    response = client.get("/contacts/")
    assert ">Last name ↑</option>" in response.text
    assert ">last_name ↑<" not in response.text


def test_the_organization_list_sorts_by_a_labelled_key(client, bob, orgs):
    client.force_login(bob)
    response = client.get("/organizations/", {"sort": "-name"})
    assert response.text.index("Beta") < response.text.index("Acme")
    assert ">Name ↓</option>" in response.text


def test_the_organization_list_shows_the_chosen_columns_in_order(client, bob, orgs):
    client.force_login(bob)
    response = client.get("/organizations/", {"cols": ["city", "name"]})
    head = response.text[response.text.index("<thead>") : response.text.index("</thead>")]
    assert head.index("City") < head.index("Name")
    assert "NIP" not in head


def test_comma_separated_columns_still_work(client, bob, orgs):
    client.force_login(bob)
    response = client.get("/organizations/", {"cols": "contacts,name"})
    head = response.text[response.text.index("<thead>") : response.text.index("</thead>")]
    assert head.index("Contacts") < head.index("Name")


def test_the_lead_list_shows_the_chosen_columns(client, bob, leads):
    client.force_login(bob)
    response = client.get("/leads/", {"cols": ["company", "name"]})
    head = response.text[response.text.index("<thead>") : response.text.index("</thead>")]
    assert head.index("Company") < head.index("Enquiry")
    assert "Meblex" in response.text


def test_the_lead_list_filters_by_source_and_company(client, bob, team_a):
    create_lead(team=team_a, name="Z polecenia", company="Alfa", source="")
    create_lead(team=team_a, name="Inny", company="Beta")
    client.force_login(bob)
    response = client.get("/leads/", {"company": "alf"})
    assert "Z polecenia" in response.text
    assert "Inny" not in response.text


def test_the_organization_list_hides_other_teams(client, bob, orgs, foreign_org):
    client.force_login(bob)
    assert "Obca Firma" not in client.get("/organizations/").text


# Saved views


@pytest.mark.parametrize(
    ("target", "url"), [("organization", "/organizations/"), ("lead", "/leads/")]
)
def test_a_user_saves_and_opens_a_view_of_organizations_and_leads(client, bob, target, url):
    client.force_login(bob)
    response = client.post(
        "/contacts/views/", {"target": target, "name": "Poznań", "query": "city=Pozna%C5%84"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?city=Pozna%C5%84"
    view = SavedView.objects.get()
    assert view.target == target
    assert "Poznań" in client.get(url).text


def test_an_unknown_view_target_is_refused(client, bob):
    client.force_login(bob)
    response = client.post("/contacts/views/", {"target": "mailbox", "name": "x", "query": ""})
    assert response.status_code == 404


def test_views_of_one_list_do_not_show_on_another(client, bob):
    save_view(
        owner=bob,
        team_id=bob.memberships.get().team_id,
        target="lead",
        name="Mine",
        query="mine=1",
        is_shared=False,
    )
    client.force_login(bob)
    assert "?mine=1" in client.get("/leads/").text
    assert "?mine=1" not in client.get("/organizations/").text


def test_a_shared_organization_view_shows_to_teammates_not_outsiders(client, alice, charlie, dave):
    save_view(
        owner=alice,
        team_id=alice.memberships.get().team_id,
        target="organization",
        name="Team view",
        query="city=Gda",
        is_shared=True,
    )
    client.force_login(dave)
    assert "Team view" in client.get("/organizations/").text
    client.force_login(charlie)
    assert "Team view" not in client.get("/organizations/").text


def test_deleting_a_lead_view_goes_back_to_the_lead_list(client, bob):
    view = save_view(
        owner=bob,
        team_id=bob.memberships.get().team_id,
        target="lead",
        name="Mine",
        query="mine=1",
        is_shared=False,
    )
    client.force_login(bob)
    response = client.post(f"/contacts/views/{view.pk}/delete/")
    assert response["Location"] == "/leads/"
    assert not SavedView.objects.exists()


def test_only_the_owner_deletes_a_shared_view(client, alice, bob):
    view = save_view(
        owner=alice,
        team_id=alice.memberships.get().team_id,
        target="lead",
        name="Shared",
        query="",
        is_shared=True,
    )
    client.force_login(bob)
    assert client.post(f"/contacts/views/{view.pk}/delete/").status_code == 403


# Bulk on organizations


def test_bulk_edit_of_organizations_reports_each_record(client, bob, alice, orgs, team_a):
    acme, beta = orgs
    client.force_login(bob)
    response = client.post(
        "/organizations/bulk/",
        {
            "ids": [acme.pk, beta.pk],
            "action": "edit",
            "account_type": "partner",
            "add_tags": "vip",
            "add_managers": [alice.pk],
        },
    )
    assert response.status_code == 200
    assert response.text.count(">done<") == 2
    for org in (acme, beta):
        org.refresh_from_db()
        assert org.account_type == "partner"
        assert [t.name for t in org.tags.all()] == ["vip"]
        assert list(org.managers.all()) == [alice]


def test_bulk_lock_of_organizations_then_agents_cannot_change_them(client, alice, bob, orgs):
    acme, _beta = orgs
    client.force_login(bob)
    client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "lock"})
    acme.refresh_from_db()
    assert acme.is_locked
    assert client.get(f"/organizations/{acme.pk}/edit/").status_code == 403
    response = client.post(
        "/organizations/bulk/", {"ids": [acme.pk], "action": "edit", "add_tags": "x"}
    )
    assert "Not allowed." in response.text
    response = client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "unlock"})
    assert "Not allowed." in response.text
    client.force_login(alice)
    client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "unlock"})
    acme.refresh_from_db()
    assert not acme.is_locked


def test_bulk_delete_of_organizations_needs_admin_or_manager(client, alice, bob, orgs):
    acme, beta = orgs
    client.force_login(bob)
    response = client.post("/organizations/bulk/", {"ids": [acme.pk, beta.pk], "action": "delete"})
    assert response.text.count("Not allowed.") == 2
    client.force_login(alice)
    client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "delete"})
    assert list(Organization.objects.all()) == [beta]


def test_bulk_on_organizations_ignores_other_teams(client, charlie, orgs):
    acme, _beta = orgs
    client.force_login(charlie)
    response = client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "lock"})
    assert "Nothing was selected." in response.text
    acme.refresh_from_db()
    assert not acme.is_locked


def test_a_reader_changes_no_organization_in_bulk(client, dave, orgs):
    acme, _beta = orgs
    client.force_login(dave)
    response = client.post("/organizations/bulk/", {"ids": [acme.pk], "action": "lock"})
    assert "Not allowed." in response.text
    acme.refresh_from_db()
    assert not acme.is_locked


def test_an_empty_organization_mass_edit_asks_what_to_change(client, bob, orgs):
    client.force_login(bob)
    response = client.post(
        "/organizations/bulk/", {"ids": [orgs[0].pk], "action": "edit"}, follow=True
    )
    assert "Choose what to change." in response.text


def test_the_organization_page_locks_and_unlocks(client, alice, bob, orgs):
    acme, _beta = orgs
    client.force_login(bob)
    client.post(f"/organizations/{acme.pk}/lock/", {"locked": "1"})
    acme.refresh_from_db()
    assert acme.is_locked
    assert "Locked: read-only" in client.get(f"/organizations/{acme.pk}/").text
    assert client.post(f"/organizations/{acme.pk}/lock/", {"locked": "0"}).status_code == 403
    client.force_login(alice)
    client.post(f"/organizations/{acme.pk}/lock/", {"locked": "0"})
    acme.refresh_from_db()
    assert not acme.is_locked


# Bulk on leads


def test_bulk_edit_of_leads_sets_status_source_and_salesperson(client, alice, bob, leads):
    client.force_login(bob)
    response = client.post(
        "/leads/bulk/",
        {
            "ids": [lead.pk for lead in leads],
            "action": "edit",
            "status": "qualified",
            "add_managers": [alice.pk],
        },
    )
    assert response.text.count(">done<") == 2
    for lead in leads:
        lead.refresh_from_db()
        assert lead.status == "qualified"
        assert lead.salesperson == alice


def test_a_bad_status_fails_per_lead(client, bob, leads):
    client.force_login(bob)
    response = client.post(
        "/leads/bulk/", {"ids": [leads[0].pk], "action": "edit", "status": "nonsense"}
    )
    assert ">not done<" in response.text
    leads[0].refresh_from_db()
    assert leads[0].status == "new"


def test_a_locked_lead_is_read_only_except_for_admins(client, alice, bob, leads):
    meble, okna = leads
    client.force_login(bob)
    client.post("/leads/bulk/", {"ids": [meble.pk], "action": "lock"})
    meble.refresh_from_db()
    assert meble.is_locked
    assert client.get(f"/leads/{meble.pk}/edit/").status_code == 403
    assert client.post(f"/leads/{meble.pk}/convert/").status_code == 403
    response = client.post(
        "/leads/bulk/", {"ids": [meble.pk, okna.pk], "action": "edit", "status": "working"}
    )
    assert response.text.count("Not allowed.") == 1
    okna.refresh_from_db()
    assert okna.status == "working"
    page = client.get(f"/leads/{meble.pk}/").text
    assert "Locked: read-only" in page
    assert f"/leads/{meble.pk}/edit/" not in page
    client.force_login(alice)
    assert client.get(f"/leads/{meble.pk}/edit/").status_code == 200
    client.post(f"/leads/{meble.pk}/lock/", {"locked": "0"})
    meble.refresh_from_db()
    assert not meble.is_locked


def test_an_agent_cannot_unlock_a_lead(client, bob, leads):
    meble, _okna = leads
    client.force_login(bob)
    client.post(f"/leads/{meble.pk}/lock/", {"locked": "1"})
    assert client.post(f"/leads/{meble.pk}/lock/", {"locked": "0"}).status_code == 403
    meble.refresh_from_db()
    assert meble.is_locked


def test_bulk_delete_of_leads_needs_admin_or_manager(client, alice, bob, leads):
    meble, okna = leads
    client.force_login(bob)
    response = client.post("/leads/bulk/", {"ids": [meble.pk], "action": "delete"})
    assert "Not allowed." in response.text
    client.force_login(alice)
    response = client.post("/leads/bulk/", {"ids": [meble.pk], "action": "delete"})
    assert ">done<" in response.text
    assert list(Lead.objects.all()) == [okna]


def test_bulk_on_leads_ignores_other_teams_and_readers(client, charlie, dave, leads, foreign_lead):
    client.force_login(charlie)
    response = client.post("/leads/bulk/", {"ids": [leads[0].pk], "action": "lock"})
    assert "Nothing was selected." in response.text
    client.force_login(dave)
    response = client.post("/leads/bulk/", {"ids": [leads[0].pk], "action": "lock"})
    assert "Not allowed." in response.text
    assert not Lead.objects.filter(is_locked=True).exists()


def test_the_locked_filter_finds_locked_leads(client, bob, leads):
    client.force_login(bob)
    client.post("/leads/bulk/", {"ids": [leads[0].pk], "action": "lock"})
    response = client.get("/leads/", {"locked": "1"})
    assert "Meble" in response.text
    assert "Okna" not in response.text


# Organization e-mails and phones


def test_the_organization_form_saves_addresses_and_numbers(client, bob, team_a):
    client.force_login(bob)
    response = client.post(
        "/organizations/new/",
        {
            "team": team_a.pk,
            "name": "Acme",
            "emails": "biuro@acme.pl, faktury@acme.pl",
            "phones": "22 628 12 34",
        },
        follow=True,
    )
    org = Organization.objects.get(name="Acme")
    assert [e.address for e in org.emails.all()] == ["biuro@acme.pl", "faktury@acme.pl"]
    assert 'href="tel:+48226281234"' in response.text
    assert 'href="mailto:faktury@acme.pl"' in response.text


def test_a_bad_number_is_shown_on_its_field(client, bob, team_a):
    client.force_login(bob)
    response = client.post(
        "/organizations/new/", {"team": team_a.pk, "name": "Acme", "phones": "12"}
    )
    assert response.status_code == 200
    assert not Organization.objects.exists()
    assert "phone" in response.text.lower()


def test_the_organization_list_shows_phone_and_email_columns(client, bob, team_a):
    create_organization(
        team=team_a, fields={"name": "Acme"}, emails=["biuro@acme.pl"], phones=["226281234"]
    )
    client.force_login(bob)
    response = client.get("/organizations/", {"cols": ["name", "phone", "email"]})
    assert 'href="tel:+48226281234"' in response.text
    assert "biuro@acme.pl" in response.text


# Query counts do not grow with the rows shown


def _queries(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


ALL_ORGANIZATION_COLUMNS = [
    "name", "tax_id", "domains", "email", "phone", "city", "account_type", "tags",
    "managers", "contacts", "created",
]  # fmt: skip


def test_the_organization_list_costs_the_same_for_more_rows(client, bob, alice, team_a):
    def add(count):
        for n in range(count):
            create_organization(
                team=team_a,
                fields={"name": f"Firma {n}"},
                domains=[f"firma{n}-{count}.pl"],
                emails=[f"biuro@firma{n}-{count}.pl"],
                phones=[f"22 628 {count}{n:01d} 34"],
                tags=["klient"],
                managers=[alice],
            )

    client.force_login(bob)
    add(2)
    few = _queries(client, "/organizations/", {"cols": ALL_ORGANIZATION_COLUMNS})
    add(6)
    many = _queries(client, "/organizations/", {"cols": ALL_ORGANIZATION_COLUMNS})
    assert many == few


def test_the_lead_list_costs_the_same_for_more_rows(client, bob, alice, team_a):
    cols = list(LEAD_COLUMNS)

    def add(count):
        for n in range(count):
            create_lead(team=team_a, name=f"Lead {count}-{n}", salesperson=alice, source="")

    client.force_login(bob)
    add(2)
    few = _queries(client, "/leads/", {"cols": cols})
    add(6)
    many = _queries(client, "/leads/", {"cols": cols})
    assert many == few


def test_bulk_choices_start_at_unchanged_not_any(client, bob, leads):
    client.force_login(bob)
    page = client.get("/leads/").text
    panel = page[page.index("With the selected leads") :]
    assert '<option value="">Unchanged</option>' in panel
    assert '<option value="">Any</option>' not in panel
