"""Tag names are cleaned in one place, whether a tag is created by the API's tag CRUD or
added to a record by name from a form."""

from __future__ import annotations

import pytest

from parley.accounts.models import Team
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact
from parley.contacts.services import create_contact, tag_contact
from parley.contacts.services.tags import clean_tag_name, create_tag

pytestmark = pytest.mark.django_db


def test_it_collapses_whitespace() -> None:
    assert clean_tag_name("  key \t account\n") == "key account"


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "A tag needs a name."), ("x" * 51, "A tag name is at most 50 characters long.")],
)
def test_both_ways_of_naming_a_tag_refuse_the_same_names(
    team_a: Team, name: str, message: str
) -> None:
    contact: Contact = create_contact(team=team_a, fields={"first_name": "Jan"})
    with pytest.raises(ContactsError, match=message):
        create_tag(team=team_a, name=name)
    with pytest.raises(ContactsError, match=message):
        tag_contact(contact=contact, name=name)


def test_a_name_typed_on_a_record_finds_the_tag_created_by_the_api(team_a: Team) -> None:
    created = create_tag(team=team_a, name=" Key   Account ")
    contact: Contact = create_contact(team=team_a, fields={"first_name": "Jan"})
    assert tag_contact(contact=contact, name="key account\t") == created
    assert created.name == "Key Account"
    assert clean_tag_name("x" * 50) == "x" * 50
