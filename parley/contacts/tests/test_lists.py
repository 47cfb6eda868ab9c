from __future__ import annotations

import pytest

from parley.contacts.choices import check_choice, labels_for_teams, options_for
from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import ChoiceKind, ChoiceOption
from parley.contacts.services import create_contact, create_organization, update_contact
from parley.contacts.services.lists import (
    add_choice_option,
    ensure_choice_option,
    move_choice_option,
    update_choice_option,
)

pytestmark = pytest.mark.django_db


def test_a_new_team_gets_the_default_stages_and_lead_statuses(team_a):
    assert [o.key for o in options_for(team_a.pk, ChoiceKind.STAGE)] == [
        "lead",
        "prospect",
        "customer",
        "partner",
        "other",
    ]
    assert [o.key for o in options_for(team_a.pk, ChoiceKind.LEAD_STATUS)] == [
        "new",
        "working",
        "qualified",
        "won",
        "lost",
    ]
    assert not ChoiceOption.objects.filter(team=team_a).exists()


def test_adding_an_entry_keeps_the_defaults_before_it(team_a):
    option = add_choice_option(team=team_a, kind=ChoiceKind.STAGE, label="Dormant client")
    assert option.key == "dormant-client"
    keys = [o.key for o in options_for(team_a.pk, ChoiceKind.STAGE)]
    assert keys[0] == "lead"
    assert keys[-1] == "dormant-client"


def test_it_rejects_a_duplicate_key(team_a):
    add_choice_option(team=team_a, kind=ChoiceKind.SOURCE, label="Targi")
    with pytest.raises(DuplicateError):
        add_choice_option(team=team_a, kind=ChoiceKind.SOURCE, label="targi")


def test_a_contact_takes_only_stages_of_its_team(team_a, team_b):
    add_choice_option(team=team_b, kind=ChoiceKind.STAGE, label="Only in B")
    with pytest.raises(ContactsError):
        create_contact(team=team_a, fields={"first_name": "Jan", "stage": "only-in-b"})
    contact = create_contact(team=team_b, fields={"first_name": "Jan", "stage": "only-in-b"})
    assert contact.stage == "only-in-b"


def test_a_new_contact_gets_the_first_active_stage(team_a):
    update_choice_option(
        option=ensure_choice_option(team=team_a, kind=ChoiceKind.STAGE, key="lead"),
        is_active=False,
    )
    contact = create_contact(team=team_a, fields={"first_name": "Jan"})
    assert (contact.stage, contact.account_type) == ("prospect", "customer")


def test_a_deactivated_stage_is_refused_but_kept_on_records(team_a):
    contact = create_contact(team=team_a, fields={"first_name": "Jan", "stage": "partner"})
    option = ensure_choice_option(team=team_a, kind=ChoiceKind.STAGE, key="partner")
    update_choice_option(option=option, is_active=False, label="Partner (old)")
    with pytest.raises(ContactsError):
        update_contact(contact=contact, fields={"stage": "partner"})
    contact.refresh_from_db()
    assert contact.stage == "partner"
    assert labels_for_teams([team_a.pk]).label(team_a.pk, "stage", "partner") == "Partner (old)"


def test_position_is_free_text_until_the_team_lists_positions(team_a):
    contact = create_contact(team=team_a, fields={"first_name": "Jan", "position": "CEO"})
    assert contact.position == "CEO"
    add_choice_option(team=team_a, kind=ChoiceKind.POSITION, label="Księgowa")
    with pytest.raises(ContactsError):
        update_contact(contact=contact, fields={"position": "CTO"})
    update_contact(contact=contact, fields={"position": "ksiegowa"})
    assert contact.position == "ksiegowa"


def test_stage_is_required(team_a):
    with pytest.raises(ContactsError):
        check_choice(team_a.pk, ChoiceKind.STAGE, " ")


def test_an_organization_checks_its_account_type(team_a):
    with pytest.raises(ContactsError):
        create_organization(team=team_a, fields={"name": "Acme", "account_type": "vendor"})
    acme = create_organization(team=team_a, fields={"name": "Acme", "account_type": "partner"})
    assert acme.account_type == "partner"


def test_moving_an_entry_swaps_it_with_its_neighbour(team_a):
    option = ensure_choice_option(team=team_a, kind=ChoiceKind.STAGE, key="customer")
    move_choice_option(option=option, up=True)
    keys = [o.key for o in options_for(team_a.pk, ChoiceKind.STAGE)]
    assert keys[:3] == ["lead", "customer", "prospect"]
    first = ensure_choice_option(team=team_a, kind=ChoiceKind.STAGE, key="lead")
    move_choice_option(option=first, up=True)
    assert options_for(team_a.pk, ChoiceKind.STAGE)[0].key == "lead"


def test_a_label_cannot_be_empty(team_a):
    option = ensure_choice_option(team=team_a, kind=ChoiceKind.STAGE, key="lead")
    with pytest.raises(ContactsError):
        update_choice_option(option=option, label="  ")
