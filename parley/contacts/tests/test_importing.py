from __future__ import annotations

import pytest

from parley.contacts.exceptions import ContactsError
from parley.contacts.importing import draft_rows, guess_mapping, read_csv
from parley.contacts.models import Contact, Organization
from parley.contacts.services import NewPhone, create_contact, create_organization
from parley.contacts.services.importing import ImportMode, import_contacts

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = (
    "Imię;Nazwisko;E-mail;Telefon;Etap;Firma;NIP\n"
    "Jan;Kowalski;jan@example.pl;601 234 567;CUSTOMER;;\n"
    "Ewa;Nowak;to nie jest adres;;;;\n"
    "Olga;Lis;olga@example.pl;0048 22 628 12 34;prospect;Stolarnia;779-240-00-19\n"
    "Ola;Lis;JAN@example.pl;;;;\n"
).encode("cp1250")


def _drafts(team, data=GOOD_AND_BAD):
    table = read_csv(data)
    mapping = guess_mapping(table.header, [])
    mapping[table.header.index("Etap")] = "stage"
    return draft_rows(table, mapping, team.pk)


def test_it_reads_windows_1250_with_semicolons(team_a):
    table = read_csv(GOOD_AND_BAD)
    assert table.header[0] == "Imię"
    assert len(table.rows) == 4
    assert guess_mapping(table.header, [])[:4] == ["first_name", "last_name", "email", "phone"]


def test_an_empty_file_is_refused():
    with pytest.raises(ContactsError):
        read_csv(b"first name\n")


def test_a_dry_run_reports_errors_per_row_and_saves_nothing(team_a):
    report = import_contacts(
        team=team_a, drafts=_drafts(team_a), mode=ImportMode.VALID_ROWS, dry_run=True
    )
    assert [(r.line, r.ok) for r in report.rows] == [(2, True), (3, False), (4, True), (5, False)]
    assert "already belongs" in report.rows[3].message
    assert not report.saved
    assert not Contact.objects.exists()
    assert not Organization.objects.exists()


def test_all_or_nothing_saves_nothing_when_a_row_fails(team_a):
    report = import_contacts(
        team=team_a, drafts=_drafts(team_a), mode=ImportMode.ALL_OR_NOTHING, dry_run=False
    )
    assert not report.saved
    assert report.invalid == 2
    assert not Contact.objects.exists()


def test_valid_rows_saves_the_good_rows_only(team_a):
    report = import_contacts(
        team=team_a, drafts=_drafts(team_a), mode=ImportMode.VALID_ROWS, dry_run=False
    )
    assert report.saved
    jan = Contact.objects.get(last_name="Kowalski")
    olga = Contact.objects.get(first_name="Olga")
    assert (jan.stage, olga.stage) == ("customer", "prospect")
    assert [p.e164 for p in olga.phones.all()] == ["+48226281234"]
    assert olga.organization is not None
    assert olga.organization.tax_id == "7792400019"
    assert Contact.objects.count() == 2


def test_a_known_nip_attaches_to_the_existing_organization(team_a):
    stolarnia = create_organization(
        team=team_a, fields={"name": "Zakład Stolarski", "tax_id": "7792400019"}
    )
    data = b"first name,email,nip\nAnna,anna@example.pl,PL 779 240 00 19\n"
    table = read_csv(data)
    drafts = draft_rows(table, ["first_name", "email", "tax_id"], team_a.pk)
    import_contacts(team=team_a, drafts=drafts, mode=ImportMode.ALL_OR_NOTHING, dry_run=False)
    assert Contact.objects.get().organization == stolarnia
    assert Organization.objects.count() == 1


def test_a_known_phone_number_is_a_duplicate(team_a):
    create_contact(team=team_a, fields={"first_name": "Jan"}, phones=[NewPhone("601234567")])
    table = read_csv(b"first name,phone\nJanek,+48 601-234-567\n")
    drafts = draft_rows(table, ["first_name", "phone"], team_a.pk)
    report = import_contacts(team=team_a, drafts=drafts, mode=ImportMode.VALID_ROWS, dry_run=False)
    assert not report.rows[0].ok
    assert "Jan" in report.rows[0].message
    assert Contact.objects.count() == 1


def test_organizations_import_with_nip_and_domain_duplicates(team_a):
    from parley.contacts.services.importing import import_organizations

    create_organization(team=team_a, fields={"name": "Stara", "tax_id": "5271020307"})
    data = (
        "Nazwa;NIP;Domena;Miasto\n"
        "Stolarnia;779-240-00-19;stolarnia.pl;Poznań\n"
        "Duplikat;PL 527 102 03 07;;\n"
        "Druga domena;;stolarnia.pl;\n"
        "Zły NIP;123;;\n"
    ).encode()
    table = read_csv(data)
    mapping = guess_mapping(table.header, [], organizations=True)
    assert mapping == ["name", "tax_id", "domain", "city"]
    drafts = draft_rows(table, mapping, team_a.pk, organizations=True)
    report = import_organizations(
        team=team_a, drafts=drafts, mode=ImportMode.VALID_ROWS, dry_run=False
    )
    assert [r.ok for r in report.rows] == [True, False, False, False]
    assert "Stara" in report.rows[1].message
    stolarnia = Organization.objects.get(name="Stolarnia")
    assert (stolarnia.tax_id, stolarnia.city) == ("7792400019", "Poznań")
    assert [d.domain for d in stolarnia.domains.all()] == ["stolarnia.pl"]


def test_organizations_import_their_e_mail_addresses_and_numbers(team_a):
    from parley.contacts.services.importing import import_organizations

    data = (
        "Nazwa;E-mail;Telefon\nStolarnia;biuro@stolarnia.pl;22 628 12 34\nZły numer;;12\n"
    ).encode()
    table = read_csv(data)
    mapping = guess_mapping(table.header, [], organizations=True)
    assert mapping == ["name", "email", "phone"]
    drafts = draft_rows(table, mapping, team_a.pk, organizations=True)
    report = import_organizations(
        team=team_a, drafts=drafts, mode=ImportMode.VALID_ROWS, dry_run=False
    )
    assert [r.ok for r in report.rows] == [True, False]
    stolarnia = Organization.objects.get(name="Stolarnia")
    assert [e.address for e in stolarnia.emails.all()] == ["biuro@stolarnia.pl"]
    assert [p.e164 for p in stolarnia.phones.all()] == ["+48226281234"]
    assert not Organization.objects.filter(name="Zły numer").exists()
