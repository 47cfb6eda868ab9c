"""`parley mailbox add|list|test|remove|pause|resume`: manage mailboxes from the shell.

`add` takes the password from PARLEY_MAILBOX_PASSWORD, else a prompt; the team defaults to
the first team (created if there is none). See docs/cli.md.
"""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.accounts.models import Team
from parley.accounts.services import create_team
from parley.mail.exceptions import MailError
from parley.mail.models import AuthMethod, Mailbox, Security
from parley.mail.services import (
    MailboxSettings,
    check_connection,
    create_mailbox,
    default_team,
    get_mailbox_by_name,
    pause_mailbox,
    remove_mailbox,
    resume_mailbox,
)

SECURITY = [choice.value for choice in Security]


class Command(BaseCommand):
    help = "Add, list, test, pause, resume or remove mailboxes."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add a mailbox.")
        add.add_argument("name")
        add.add_argument("--email", required=True)
        add.add_argument("--display-name", default="")
        add.add_argument("--imap-host", required=True)
        add.add_argument("--imap-port", type=int, default=993)
        add.add_argument("--imap-security", choices=SECURITY, default=Security.SSL.value)
        add.add_argument("--smtp-host", default="")
        add.add_argument("--smtp-port", type=int, default=465)
        add.add_argument("--smtp-security", choices=SECURITY, default=Security.SSL.value)
        add.add_argument("--username", required=True)
        add.add_argument(
            "--auth", choices=[m.value for m in AuthMethod], default=AuthMethod.PASSWORD.value
        )
        add.add_argument("--team", help="Team name (default: the first team).")
        add.add_argument(
            "--folders", help="Comma-separated folders (default: INBOX and the Sent folder)."
        )
        actions.add_parser("list", help="List mailboxes with their sync status.")
        for action, text in [
            ("test", "Log in and check the folders."),
            ("remove", "Remove a mailbox (its messages stay)."),
            ("pause", "Stop syncing a mailbox."),
            ("resume", "Sync a paused mailbox again."),
        ]:
            actions.add_parser(action, help=text).add_argument("name")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                self._add(options)
            elif action == "list":
                self._list()
            else:
                mailbox = get_mailbox_by_name(options["name"])
                getattr(self, f"_{action}")(mailbox)
        except MailError as exc:
            raise CommandError(str(exc)) from None

    def _add(self, options: dict[str, Any]) -> None:
        secret = os.environ.get("PARLEY_MAILBOX_PASSWORD") or getpass.getpass("Password: ")
        if not secret:
            raise CommandError("A password is required (PARLEY_MAILBOX_PASSWORD or the prompt).")
        team = default_team()
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first() or create_team(
                name=options["team"]
            )
        settings = MailboxSettings(
            name=options["name"],
            email=options["email"],
            display_name=options["display_name"],
            imap_host=options["imap_host"],
            imap_port=options["imap_port"],
            imap_security=options["imap_security"],
            smtp_host=options["smtp_host"],
            smtp_port=options["smtp_port"],
            smtp_security=options["smtp_security"],
            username=options["username"],
            auth_method=options["auth"],
        )
        folders = options["folders"].split(",") if options["folders"] else None
        mailbox = create_mailbox(team=team, settings=settings, secret=secret, folders=folders)
        self.stdout.write(f"Added mailbox {mailbox.name} ({mailbox.email}) to team {team.name}.")

    def _list(self) -> None:
        mailboxes = Mailbox.objects.select_related("team").order_by("name")
        for mailbox in mailboxes:
            state = "active" if mailbox.is_active else "paused"
            last = (
                mailbox.last_sync_at.isoformat(timespec="seconds")
                if mailbox.last_sync_at
                else "never"
            )
            count = mailbox.locations.values("message_id").distinct().count()
            line = (
                f"{mailbox.name}\t{mailbox.email}\t{mailbox.team.name}\t{state}\t"
                f"last sync {last}\t{count} messages"
            )
            if mailbox.last_error:
                line += f"\terror: {mailbox.last_error}"
            self.stdout.write(line)

    def _test(self, mailbox: Mailbox) -> None:
        report = check_connection(mailbox=mailbox)
        self.stdout.write(
            f"OK: logged in to {mailbox.imap_host}:{mailbox.imap_port} as {mailbox.username}; "
            f"{len(report.folders)} folders, Sent folder: {report.sent_folder or 'not found'}."
        )

    def _remove(self, mailbox: Mailbox) -> None:
        remove_mailbox(mailbox=mailbox)
        self.stdout.write(f"Removed mailbox {mailbox.name}.")

    def _pause(self, mailbox: Mailbox) -> None:
        pause_mailbox(mailbox=mailbox)
        self.stdout.write(f"Paused mailbox {mailbox.name}.")

    def _resume(self, mailbox: Mailbox) -> None:
        resume_mailbox(mailbox=mailbox)
        self.stdout.write(f"Resumed mailbox {mailbox.name}.")
