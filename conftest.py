"""Named personas shared by every test module (STYLE.md section 6).

- alice: admin of team A
- bob: agent of team A (alice's teammate)
- charlie: agent of team B (an outsider to team A)
- dave: reader of team A (read-only)
"""

from __future__ import annotations

import pytest
from django.utils import translation

from parley.accounts.models import Role, Team, User
from parley.accounts.services import create_team, create_user, set_membership
from parley.testing import PASSWORD

# Real Dovecot and aiosmtpd fixtures (dovecot, dovecot_plain, imap_user, smtp_server) and
# Playwright's `page` (parley.testing.browser) for every app's tests.
pytest_plugins = ["parley.mail.testing.fixtures", "parley.testing.browser"]

__all__ = ["PASSWORD"]  # `from conftest import PASSWORD` in the tests


@pytest.fixture(autouse=True)
def _english_by_default() -> None:
    """Start every test in English: a request by a Polish user activates Polish for the
    thread, and a later test in the same thread must not inherit it."""
    translation.activate("en")


@pytest.fixture
def team_a(db: None) -> Team:
    return create_team(name="Team A")


@pytest.fixture
def team_b(db: None) -> Team:
    return create_team(name="Team B")


def _member(email: str, name: str, team: Team, role: Role) -> User:
    user = create_user(email=email, password=PASSWORD, name=name)
    set_membership(user=user, team=team, role=role)
    return user


@pytest.fixture
def alice(team_a: Team) -> User:
    return _member("alice@example.com", "Alice Admin", team_a, Role.ADMIN)


@pytest.fixture
def bob(team_a: Team) -> User:
    return _member("bob@example.com", "Bob Agent", team_a, Role.AGENT)


@pytest.fixture
def charlie(team_b: Team) -> User:
    return _member("charlie@example.com", "Charlie Outsider", team_b, Role.AGENT)


@pytest.fixture
def dave(team_a: Team) -> User:
    return _member("dave@example.com", "Dave Reader", team_a, Role.READER)
