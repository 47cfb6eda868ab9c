"""`parley createuser EMAIL [--name N] [--admin] [--team T --role R]`; password from
PARLEY_USER_PASSWORD or a prompt."""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.accounts.exceptions import AccountsError
from parley.accounts.models import Role, Team
from parley.accounts.services import create_team, create_user, set_membership


class Command(BaseCommand):
    help = "Create a user who signs in with e-mail and password."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument("--admin", action="store_true", help="Installation administrator.")
        parser.add_argument("--team", help="Add to this team (created if missing).")
        parser.add_argument("--role", default=Role.AGENT, choices=[r.value for r in Role])

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("PARLEY_USER_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("A password is required (PARLEY_USER_PASSWORD or the prompt).")
        try:
            user = create_user(
                email=options["email"],
                password=password,
                name=options["name"],
                is_superuser=options["admin"],
            )
        except AccountsError as exc:
            raise CommandError(str(exc)) from None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first() or create_team(
                name=options["team"]
            )
            set_membership(user=user, team=team, role=options["role"])
        self.stdout.write(f"Created {user.email}.")
