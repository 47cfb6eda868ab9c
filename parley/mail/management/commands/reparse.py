"""`parley reparse [--failed] [--mailbox NAME] [ID ...]`: parse stored messages again.

After a parser fix, messages that were stored raw with a parse error (or any chosen ones) are
parsed again from their kept raw bytes; identity, conversation and locations stay.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.mail.ingest import reparse_message
from parley.mail.models import Message


class Command(BaseCommand):
    help = "Parse stored messages again from their raw bytes (e.g. those with a parse error)."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Message ids (database ids).")
        parser.add_argument(
            "--failed", action="store_true", help="Every message stored with a parse error."
        )
        parser.add_argument("--mailbox", help="Only messages of this mailbox.")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["ids"] and not options["failed"]:
            raise CommandError("Name message ids or pass --failed.")
        messages = Message.objects.filter(is_erased=False).order_by("pk")
        if options["ids"]:
            messages = messages.filter(pk__in=options["ids"])
        if options["failed"]:
            messages = messages.exclude(parse_error="")
        if options["mailbox"]:
            messages = messages.filter(mailbox__name=options["mailbox"])
        fixed = still_failing = 0
        for message in messages.iterator():
            if reparse_message(message=message).parse_error:
                still_failing += 1
            else:
                fixed += 1
        self.stdout.write(
            f"reparsed {fixed + still_failing}, fixed {fixed}, still failing {still_failing}"
        )
