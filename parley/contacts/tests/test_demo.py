from __future__ import annotations

from parley.contacts import demo
from parley.contacts.matching import match_phone
from parley.contacts.models import Contact, ContactEmail, Organization


def test_it_loads_organizations_and_contacts_into_the_first_team(alice, bob, team_a, team_b):
    demo.load(teams=[team_a, team_b], users=[alice, bob])

    assert Organization.objects.filter(team=team_a).count() == 3
    assert Contact.objects.filter(team=team_a).count() == 8
    assert not Contact.objects.filter(team=team_b).exists()
    lukasz = Contact.objects.get(last_name="Wiśniewski")
    assert lukasz.organization is not None
    assert lukasz.managers.exists()
    assert ContactEmail.objects.filter(address="lukasz.wisniewski@stolarnia-wisniewski.pl").exists()


def test_demo_switchboard_number_matches_two_contacts(alice, team_a):
    demo.load(teams=[team_a], users=[alice])

    assert len(match_phone([team_a.pk], "426301234")) == 2


def test_demo_has_leads_and_a_custom_field(alice, team_a):
    from parley.contacts.models import CustomField, Lead

    demo.load(teams=[team_a], users=[alice])

    assert Lead.objects.filter(team=team_a).count() == 3
    assert CustomField.objects.filter(team=team_a).count() == 1
    assert Contact.objects.get(last_name="Wiśniewski").custom == {"branza": "meble"}
