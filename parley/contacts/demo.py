"""Demo organizations and contacts, created through the services like real data.

Called by the `parley demo` command with the demo teams and users. The data is fictional:
the NIPs pass the checksum and the numbers are well-formed, but none belongs to anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.accounts.models import Membership
from parley.contacts.models import ActivityKind, FieldTarget, FieldType, PhoneKind, Stage
from parley.contacts.services import NewPhone, create_contact, create_organization
from parley.contacts.services.custom_fields import create_custom_field
from parley.contacts.services.leads import create_lead
from parley.contacts.services.timeline import log_event

if TYPE_CHECKING:
    from collections.abc import Sequence

    from parley.accounts.models import Team, User

ORGANIZATIONS = [
    {
        "name": "Zakład Stolarski Wiśniewski sp. z o.o.",
        "tax_id": "779-240-00-19",
        "domain": "stolarnia-wisniewski.pl",
        "city": "Poznań",
        "postal_code": "61-131",
        "street": "ul. Głogowska 112",
        "tag": "meble",
    },
    {
        "name": "Przychodnia Zdrowie Łódź",
        "tax_id": "PL 951 234 56 75",
        "domain": "zdrowie-lodz.pl",
        "city": "Łódź",
        "postal_code": "90-418",
        "street": "ul. Piotrkowska 85",
        "tag": "medycyna",
    },
    {
        "name": "Księgarnia Pod Żaglami",
        "tax_id": "5271020307",
        "domain": "podzaglami.com.pl",
        "city": "Gdańsk",
        "postal_code": "80-831",
        "street": "ul. Długa 24/3",
        "tag": "handel",
    },
]

# first name, last name, position, stage, organization index or None, e-mail, phones.
CONTACTS: list[tuple[str, str, str, Stage, int | None, str, list[NewPhone]]] = [
    (
        "Łukasz",
        "Wiśniewski",
        "Prezes zarządu",
        Stage.CUSTOMER,
        0,
        "lukasz.wisniewski@stolarnia-wisniewski.pl",
        [NewPhone("+48 601 234 567"), NewPhone("61 852 11 22", PhoneKind.WORK)],
    ),
    (
        "Małgorzata",
        "Żółkiewska",
        "Główna księgowa",
        Stage.CUSTOMER,
        0,
        "ksiegowosc@stolarnia-wisniewski.pl",
        [NewPhone("0048 512 345 678")],
    ),
    (
        "Grzegorz",
        "Brzęczyszczykiewicz",
        "Kierownik administracji",
        Stage.PROSPECT,
        1,
        "g.brzeczyszczykiewicz@zdrowie-lodz.pl",
        [NewPhone("+48 790 123 456"), NewPhone("+48 42 630 12 34", PhoneKind.MAIN)],
    ),
    (
        "Agnieszka",
        "Dąbrowska",
        "Rejestracja",
        Stage.PROSPECT,
        1,
        "rejestracja@zdrowie-lodz.pl",
        [NewPhone("+48 42 630 12 34", PhoneKind.MAIN)],
    ),
    (
        "Paweł",
        "Kołodziej",
        "Właściciel",
        Stage.PARTNER,
        2,
        "pawel@podzaglami.com.pl",
        [NewPhone("+48 58 341 22 10", PhoneKind.LANDLINE), NewPhone("503 111 222")],
    ),
    (
        "Zofia",
        "Szczęsna",
        "",
        Stage.LEAD,
        None,
        "zofia.szczesna@gmail.com",
        [NewPhone("+48 606 111 222")],
    ),
    (
        "Jędrzej",
        "Łęcki",
        "Architekt wnętrz",
        Stage.LEAD,
        None,
        "jedrzej.lecki@onet.pl",
        [NewPhone("+48 698 765 432")],
    ),
    (
        "Anna",
        "Nowak-Kowalczyk",
        "Kierowniczka zakupów",
        Stage.OTHER,
        None,
        "anna.nowak@wp.pl",
        [NewPhone("+48 724 555 101"), NewPhone("+49 30 12345678", PhoneKind.OFFICE_FAX)],
    ),
]


def load(*, teams: Sequence[Team], users: Sequence[User]) -> None:
    """Create ~3 organizations and ~8 contacts in the first team, managed by its members."""
    if not teams:
        return
    team = teams[0]
    member_ids = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    members = [user for user in users if user.pk in member_ids]
    organizations = [
        create_organization(
            team=team,
            fields={
                "name": spec["name"],
                "tax_id": spec["tax_id"],
                "address_line1": spec["street"],
                "postal_code": spec["postal_code"],
                "city": spec["city"],
                "country": "Polska",
            },
            domains=[spec["domain"]],
            managers=members[:1],
            tags=[spec["tag"]],
        )
        for spec in ORGANIZATIONS
    ]
    industry = create_custom_field(
        team=team,
        target=FieldTarget.CONTACT,
        label="Branża",
        field_type=FieldType.CHOICE,
        options=["meble", "medycyna", "handel", "IT"],
    )
    for index, (first, last, position, stage, org, email, phones) in enumerate(CONTACTS):
        create_contact(
            team=team,
            fields={
                "first_name": first,
                "last_name": last,
                "position": position,
                "stage": stage.value,
                "source": "strona www" if index % 2 else "polecenie",
            },
            emails=[email],
            phones=phones,
            organization=organizations[org] if org is not None else None,
            managers=members[index % len(members) : index % len(members) + 1] if members else (),
            tags=["VIP"] if index == 0 else (),
            custom={industry.key: industry.options[org]} if org is not None else {},
        )
    _load_leads(team, members)


# enquiry, contact person, e-mail, phone, company, status, next step.
LEADS = [
    (
        "Wycena mebli do biura na 40 stanowisk",
        "Marek Zieliński",
        "m.zielinski@biuro-rachunkowe.pl",
        "+48 605 222 333",
        "Biuro Rachunkowe Zieliński",
        "working",
        "Wysłać ofertę do piątku",
    ),
    (
        "Zapytanie o serwis wyposażenia gabinetów",
        "Joanna Maj",
        "joanna.maj@gabinet-maj.pl",
        "22 845 66 77",
        "Gabinet Stomatologiczny Maj",
        "new",
        "Oddzwonić",
    ),
    (
        "Regały do magazynu",
        "Paweł Kaczmarek",
        "",
        "+48 512 987 654",
        "",
        "qualified",
        "Umówić wizję lokalną",
    ),
]


def _load_leads(team: Team, members: list[User]) -> None:
    for index, (name, person, email, phone, company, status, next_step) in enumerate(LEADS):
        lead = create_lead(
            team=team,
            name=name,
            contact_name=person,
            email=email,
            phone=phone,
            company=company,
            status=status,
            next_step=next_step,
            salesperson=members[index % len(members)] if members else None,
        )
        log_event(
            record=lead,
            kind=ActivityKind.CALL,
            text="Pierwsza rozmowa telefoniczna",
            actor=members[0] if members else None,
        )
