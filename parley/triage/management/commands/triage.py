"""`parley triage [--loop]`: give every new inbound e-mail its triage decision.

Without --loop it runs one pass and exits. With --loop (how `parley worker` runs it) it runs
a pass every --interval seconds until SIGTERM or SIGINT, finishing the current pass first; a
failing pass is logged and retried. `--assistant NAME` makes the mailbox NAME the e-mail
assistant's (`--assistant ""` turns the assistant off).
"""

from __future__ import annotations

from typing import Any, override

from django.core.management.base import CommandError, CommandParser

from parley.lib.loop import LoopCommand
from parley.mail.models import Mailbox
from parley.triage.runner import catch_up
from parley.triage.services import set_assistant_mailbox


class Command(LoopCommand):
    help = "Triage new inbound e-mail (match senders, record codes, the assistant)."
    interval = 3.0
    label = "Triage"
    done_message = "Triage: %d messages decided"

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--assistant", help="Name of the assistant mailbox ('' for none).")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if options["assistant"] is not None:
            self._set_assistant(options["assistant"])
            return
        super().handle(*args, **options)

    @override
    def run_pass(self) -> int:
        return catch_up()

    @override
    def run_once(self, **options: Any) -> None:
        self.stdout.write(f"Triaged {catch_up()} messages.")

    def _set_assistant(self, name: str) -> None:
        if not name:
            set_assistant_mailbox(mailbox=None)
            self.stdout.write("The e-mail assistant is off.")
            return
        mailbox = Mailbox.objects.filter(name=name).first()
        if mailbox is None:
            raise CommandError(f"No mailbox named {name!r}.")
        set_assistant_mailbox(mailbox=mailbox)
        self.stdout.write(f"Mail to {mailbox.email} is now filed by the e-mail assistant.")
