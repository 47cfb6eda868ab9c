"""`parley token create --user EMAIL [--name NAME]`: print a new personal API token."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.accounts.models import User
from parley.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Manage personal API tokens."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown only once).")
        create.add_argument("--user", required=True, help="E-mail of the token's owner.")
        create.add_argument("--name", default="CLI", help="A name to recognise the token by.")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        email = options["user"].strip()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail {email}.")
        _token, plain = create_api_token(user=user, name=options["name"])
        self.stdout.write(plain)
