"""`parley export --mailbox NAME --format mbox|jsonl OUTPUT` (OUTPUT `-` is stdout)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.mail.export import export_jsonl, export_mbox
from parley.mail.models import Mailbox


class Command(BaseCommand):
    help = "Export a mailbox: mbox of the raw messages, or JSONL of its conversations."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("output", help="File to write, or - for standard output.")
        parser.add_argument("--mailbox", required=True)
        parser.add_argument("--format", choices=("mbox", "jsonl"), required=True)

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
        if mailbox is None:
            raise CommandError(f"No mailbox named {options['mailbox']!r}.")
        output: str = options["output"]
        if options["format"] == "jsonl":
            if output == "-":
                count = export_jsonl(mailbox=mailbox, out=self.stdout)
            else:
                with Path(output).open("w", encoding="utf-8") as text_out:
                    count = export_jsonl(mailbox=mailbox, out=text_out)
            what = "conversations"
        else:
            if output == "-":
                count = export_mbox(mailbox=mailbox, out=sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                with Path(output).open("wb") as binary_out:
                    count = export_mbox(mailbox=mailbox, out=binary_out)
            what = "messages"
        self.stderr.write(f"exported {count} {what}")
