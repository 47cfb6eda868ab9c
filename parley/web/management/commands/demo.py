"""`parley demo [--if-empty]`: load a realistic demo data set and print how to sign in.

Teams and users come from here; each domain app that has demo data offers
`parley.<app>.demo.load(teams=..., users=...)`, called when the module exists, so the data
set grows with the product (contacts, later mailboxes and conversations).
"""

from __future__ import annotations

import importlib
from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any, override

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parley.accounts.models import Role, Team, User
from parley.accounts.services import create_team, create_user, set_membership

# Public on purpose: printed by `make run` and documented in README.md.
DEMO_PASSWORD = "parley-demo"  # noqa: S105
ADMIN_EMAIL = "admin@parley.example"

TEAMS = ["Obsługa klienta", "Sprzedaż"]


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    name: str
    language: str
    # Team index → (role, may delete conversations).
    roles: dict[int, tuple[Role, bool]]
    is_superuser: bool = False


USERS = [
    DemoUser(
        ADMIN_EMAIL,
        "Anna Kowalska",
        "pl",
        {0: (Role.ADMIN, True), 1: (Role.ADMIN, True)},
        is_superuser=True,
    ),
    DemoUser("piotr@parley.example", "Piotr Nowak", "pl", {0: (Role.MANAGER, True)}),
    DemoUser("kasia@parley.example", "Katarzyna Wójcik", "pl", {0: (Role.AGENT, False)}),
    DemoUser("tomasz@parley.example", "Tomasz Zieliński", "en", {1: (Role.AGENT, False)}),
    DemoUser(
        "ewa@parley.example",
        "Ewa Szymańska",
        "pl",
        {0: (Role.READER, False), 1: (Role.MANAGER, False)},
    ),
]
# Domain apps that contribute demo data, in dependency order.
DEMO_MODULES = ["parley.contacts.demo", "parley.mail.demo", "parley.calls.demo"]


class Command(BaseCommand):
    help = "Load the demo data set (2 teams, 5 users, contacts, …) and print the demo login."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any user exists."
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data not loaded: the database already has users.")
                self._print_login()
                return
            raise CommandError("The database already has users; `parley demo` needs an empty one.")
        with transaction.atomic():
            teams = [create_team(name=name) for name in TEAMS]
            users = [self._user(teams, demo) for demo in USERS]
            for module_name in DEMO_MODULES:
                module = _optional_module(module_name)
                if module is not None:
                    module.load(teams=teams, users=users)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_login()

    def _user(self, teams: list[Team], demo: DemoUser) -> User:
        user = create_user(
            email=demo.email,
            password=DEMO_PASSWORD,
            name=demo.name,
            language=demo.language,
            is_superuser=demo.is_superuser,
        )
        for index, (role, can_delete) in demo.roles.items():
            set_membership(user=user, team=teams[index], role=role, can_delete=can_delete)
        return user

    def _print_login(self) -> None:
        self.stdout.write(f"Open:     http://{settings.BIND}/")
        if User.objects.filter(email=ADMIN_EMAIL, is_active=True).exists():
            self.stdout.write(f"E-mail:   {ADMIN_EMAIL}")
            self.stdout.write(f"Password: {DEMO_PASSWORD}")


def _optional_module(name: str) -> Any:
    """The module, or None when that part of Parley has no demo data (yet)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise
