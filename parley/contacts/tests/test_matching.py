from __future__ import annotations

from parley.contacts.matching import (
    match_address,
    match_phone,
    organizations_for_address,
    organizations_for_domain,
)
from parley.contacts.services import NewPhone, create_contact, create_organization


def test_it_matches_an_address_written_differently(team_a):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])
    assert match_address([team_a.pk], "JAN@Example.pl") == [jan]


def test_it_matches_only_in_the_given_teams(team_a, team_b):
    create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])
    assert match_address([team_b.pk], "jan@example.pl") == []


def test_it_matches_nothing_for_garbage():
    assert match_address([1], "not an address") == []
    assert match_phone([1], "call me") == []
    assert organizations_for_domain([1], "no domain") == []


def test_it_matches_every_contact_sharing_a_number(team_a):
    one = create_contact(team=team_a, fields={"last_name": "A"}, phones=[NewPhone("22 628 12 34")])
    two = create_contact(team=team_a, fields={"last_name": "B"}, phones=[NewPhone("+48226281234")])
    assert match_phone([team_a.pk], "0048 22 628 12 34") == [one, two]


def test_it_suggests_organizations_by_domain(team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"}, domains=["acme.pl"])
    assert organizations_for_domain([team_a.pk], "ACME.pl") == [acme]
    assert organizations_for_address([team_a.pk], "someone@acme.pl") == [acme]
    assert organizations_for_address([team_a.pk], "someone@other.pl") == []
