from __future__ import annotations

import pytest

from parley.calls.services.setup import call_settings_for
from parley.contacts.services import NewPhone, create_contact


@pytest.fixture
def jan(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": "Jan", "last_name": "Kowalski"},
        phones=[NewPhone("601 234 567")],
    )


@pytest.fixture
def call_settings(team_a):
    return call_settings_for(team_a)
