from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from parley.contacts.models import Activity, Contact, SavedView
from parley.contacts.services import NewPhone, create_contact, set_contact_managers
from parley.contacts.services.custom_fields import create_custom_field
from parley.contacts.services.saved_views import save_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team_a, bob):
    jan = create_contact(
        team=team_a,
        fields={
            "first_name": "Jan",
            "last_name": "Kowalski",
            "city": "Gdańsk",
            "stage": "customer",
        },
        emails=["jan@example.pl"],
        phones=[NewPhone("601 234 567"), NewPhone("22 628 12 34", "work")],
    )
    ewa = create_contact(
        team=team_a,
        fields={
            "first_name": "Ewa",
            "last_name": "Nowak",
            "city": "Poznań",
            "postal_code": "61-131",
        },
        emails=["ewa@example.pl"],
    )
    set_contact_managers(contact=ewa, users=[bob])
    return jan, ewa


def _names(response):
    return {name for name in ("Jan Kowalski", "Ewa Nowak") if name in response.text}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"first_name": "ja"}, {"Jan Kowalski"}),
        ({"last_name": "NOW"}, {"Ewa Nowak"}),
        ({"email": "EWA@"}, {"Ewa Nowak"}),
        ({"phone": "+48 22 628-12-34"}, {"Jan Kowalski"}),
        ({"city": "gdań"}, {"Jan Kowalski"}),
        ({"postal_code": "61-"}, {"Ewa Nowak"}),
        ({"stage": "customer"}, {"Jan Kowalski"}),
        ({"mine": "1"}, {"Ewa Nowak"}),
    ],
)
def test_each_filter_narrows_the_list(client, bob, people, params, expected):
    client.force_login(bob)
    assert _names(client.get("/contacts/", params)) == expected


def test_the_manager_filter(client, alice, bob, people):
    client.force_login(alice)
    assert _names(client.get("/contacts/", {"manager": bob.pk})) == {"Ewa Nowak"}


def test_pages_follow_by_cursor(client, bob, team_a):
    for n in range(55):
        create_contact(team=team_a, fields={"first_name": "P", "last_name": f"N{n:02d}"})
    client.force_login(bob)
    first = client.get("/contacts/", {"sort": "-last_name"})
    assert "N54" in first.text
    assert "N04" not in first.text
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get("/contacts/" + next_link.replace("&amp;", "&"))
    assert "N04" in second.text
    assert "N54" not in second.text
    assert 'rel="next"' not in second.text


def test_chosen_columns_show_in_order(client, bob, people, team_a):
    create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number")
    client.force_login(bob)
    response = client.get("/contacts/", {"cols": "city, cf:budzet, name, nonsense"})
    head = response.text.split("<thead>")[1].split("</thead>")[0]
    assert head.index("City") < head.index("Budżet") < head.index("Name")
    assert "nonsense" not in head


def test_csv_export_follows_filters_and_columns(client, bob, people):
    client.force_login(bob)
    response = client.get("/contacts/export.csv", {"city": "Gdańsk", "cols": "name,phone,city"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Name", "Phone", "City"],
        ["Jan Kowalski", "+48601234567, +48226281234", "Gdańsk"],
    ]


def test_xlsx_export_reads_back(client, bob, people):
    client.force_login(bob)
    response = client.get("/contacts/export.xlsx", {"cols": "name,email"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Name", "E-mail"]
    assert sorted(values[1:]) == [
        ["Ewa Nowak", "ewa@example.pl"],
        ["Jan Kowalski", "jan@example.pl"],
    ]


def test_an_export_neutralizes_formulas(client, bob, team_a):
    create_contact(team=team_a, fields={"first_name": "=HYPERLINK(1)"})
    client.force_login(bob)
    response = client.get("/contacts/export.csv", {"cols": "name"})
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


def test_an_outsider_exports_nothing_of_team_a(client, charlie, people):
    client.force_login(charlie)
    response = client.get("/contacts/export.csv")
    assert "Kowalski" not in response.content.decode("utf-8-sig")


def test_an_unknown_export_format_is_404(client, bob):
    client.force_login(bob)
    assert client.get("/contacts/export.pdf").status_code == 404


def test_mass_edit_reports_per_record(client, bob, alice, people, team_a):
    jan, ewa = people
    client.force_login(alice)
    client.post("/contacts/bulk/", {"ids": [jan.pk], "action": "lock"})
    client.force_login(bob)
    response = client.post(
        "/contacts/bulk/",
        {"ids": [jan.pk, ewa.pk], "action": "edit", "stage": "prospect", "add_tags": "VIP"},
    )
    assert response.status_code == 200
    jan.refresh_from_db()
    ewa.refresh_from_db()
    assert (jan.stage, ewa.stage) == ("customer", "prospect")
    assert [t.name for t in ewa.tags.all()] == ["VIP"]
    assert "not done" in response.text
    assert "done" in response.text


def test_mass_edit_of_a_custom_field_and_managers(client, bob, people, team_a):
    create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number")
    jan, ewa = people
    client.force_login(bob)
    client.post(
        "/contacts/bulk/",
        {
            "ids": [jan.pk, ewa.pk],
            "action": "edit",
            "custom_key": "budzet",
            "custom_value": "100",
            "add_managers": [bob.pk],
        },
    )
    jan.refresh_from_db()
    assert jan.custom == {"budzet": 100}
    assert list(jan.managers.all()) == [bob]
    assert Activity.objects.filter(contact=jan, changes__icontains="managers").exists()


def test_a_locked_contact_is_read_only_except_for_admins(client, alice, bob, people):
    jan, _ewa = people
    client.force_login(alice)
    client.post("/contacts/bulk/", {"ids": [jan.pk], "action": "lock"})
    jan.refresh_from_db()
    assert jan.is_locked
    client.force_login(bob)
    assert client.get(f"/contacts/{jan.pk}/edit/").status_code == 403
    client.force_login(alice)
    assert client.get(f"/contacts/{jan.pk}/edit/").status_code == 200


def test_bulk_delete_needs_admin_or_manager(client, alice, bob, people):
    jan, ewa = people
    client.force_login(bob)
    response = client.post("/contacts/bulk/", {"ids": [jan.pk, ewa.pk], "action": "delete"})
    assert Contact.objects.count() == 2
    assert response.text.count("Not allowed.") == 2
    client.force_login(alice)
    client.post("/contacts/bulk/", {"ids": [jan.pk], "action": "delete"})
    assert list(Contact.objects.all()) == [ewa]


def test_a_reader_changes_nothing_in_bulk(client, dave, people):
    jan, _ewa = people
    client.force_login(dave)
    client.post("/contacts/bulk/", {"ids": [jan.pk], "action": "edit", "stage": "lead"})
    jan.refresh_from_db()
    assert jan.stage == "customer"


def test_an_outsider_cannot_touch_other_teams_in_bulk(client, charlie, people):
    jan, _ewa = people
    client.force_login(charlie)
    client.post("/contacts/bulk/", {"ids": [jan.pk], "action": "delete"})
    assert Contact.objects.filter(pk=jan.pk).exists()


def test_an_empty_mass_edit_is_refused(client, bob, people):
    client.force_login(bob)
    response = client.post("/contacts/bulk/", {"ids": [people[0].pk], "action": "edit"})
    assert response.status_code == 302


def test_a_saved_view_is_listed_and_shared(client, alice, bob, dave, team_a):
    client.force_login(bob)
    response = client.post(
        "/contacts/views/",
        {"name": "Gdańsk", "query": "city=Gda%C5%84sk&after=xyz", "is_shared": "1"},
    )
    view = SavedView.objects.get()
    assert response.status_code == 302
    assert view.query == "city=Gda%C5%84sk"
    client.force_login(dave)
    assert "Gdańsk" in client.get("/contacts/").text
    assert client.post(f"/contacts/views/{view.pk}/delete/").status_code == 403
    client.force_login(bob)
    assert client.post(f"/contacts/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_a_private_view_stays_private(client, bob, dave, team_a):
    view = save_view(
        owner=bob, team_id=team_a.pk, target="contact", name="Moje", query="mine=1", is_shared=False
    )
    client.force_login(dave)
    assert "Moje" not in client.get("/contacts/").text
    assert client.post(f"/contacts/views/{view.pk}/delete/").status_code == 404


def test_one_contact_is_locked_by_an_agent_and_unlocked_by_an_admin(client, alice, bob, people):
    jan, _ewa = people
    client.force_login(bob)
    client.post(f"/contacts/{jan.pk}/lock/", {"locked": "1"})
    jan.refresh_from_db()
    assert jan.is_locked
    assert "Locked: read-only" in client.get(f"/contacts/{jan.pk}/").text
    assert client.post(f"/contacts/{jan.pk}/lock/", {"locked": "0"}).status_code == 403
    client.force_login(alice)
    client.post(f"/contacts/{jan.pk}/lock/", {"locked": "0"})
    jan.refresh_from_db()
    assert not jan.is_locked


def test_a_reader_cannot_lock(client, dave, people):
    client.force_login(dave)
    assert client.post(f"/contacts/{people[0].pk}/lock/", {"locked": "1"}).status_code == 403
