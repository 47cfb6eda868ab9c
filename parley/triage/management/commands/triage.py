"""`parley triage [--loop]`: give every new inbound e-mail its triage decision.

Without --loop it runs one pass and exits. With --loop (how `parley worker` runs it) it runs
a pass every --interval seconds until SIGTERM or SIGINT, finishing the current pass first; a
failing pass is logged and retried. `--assistant NAME` makes the mailbox NAME the e-mail
assistant's (`--assistant ""` turns the assistant off).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from parley.mail.models import Mailbox
from parley.triage.runner import catch_up
from parley.triage.services import set_assistant_mailbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Triage new inbound e-mail (match senders, record codes, the assistant)."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument("--interval", type=float, default=3.0, help="Seconds between passes.")
        parser.add_argument("--assistant", help="Name of the assistant mailbox ('' for none).")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if options["assistant"] is not None:
            self._set_assistant(options["assistant"])
            return
        if not options["loop"]:
            self.stdout.write(f"Triaged {catch_up()} messages.")
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stop.is_set():
            close_old_connections()
            try:
                done = catch_up()
            except Exception:
                logger.exception("Triage pass failed; retrying in %.0f s", options["interval"])
            else:
                if done:
                    logger.info("Triage: %d messages decided", done)
            stop.wait(options["interval"])

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
