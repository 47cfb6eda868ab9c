"""`parley reparse [--failed] [--reply-text-only [--all]] [--mailbox NAME] [ID ...]`.

After a parser fix, messages that were stored raw with a parse error (or any chosen ones) are
parsed again from their kept raw bytes; identity, conversation and locations stay. With
``--reply-text-only`` only the stored reply text (quotes and signature cut off) is computed
from the stored plain text: for the messages that lack it, or with ``--all`` for every one.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.mail.ingest import reparse_message, store_reply_texts
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
        parser.add_argument(
            "--reply-text-only",
            action="store_true",
            help="Only compute the reply text (without quotes) of messages that lack it.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="With --reply-text-only: recompute it for every message, not only missing ones.",
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] and not options["reply_text_only"]:
            raise CommandError("--all goes with --reply-text-only.")
        if not (options["ids"] or options["failed"] or options["reply_text_only"]):
            raise CommandError("Name message ids or pass --failed or --reply-text-only.")
        messages = Message.objects.filter(is_erased=False).order_by("pk")
        if options["ids"]:
            messages = messages.filter(pk__in=options["ids"])
        if options["failed"]:
            messages = messages.exclude(parse_error="")
        if options["mailbox"]:
            messages = messages.filter(mailbox__name=options["mailbox"])
        if options["reply_text_only"]:
            if not options["all"] and not options["ids"]:
                messages = messages.filter(reply_text__isnull=True)
            done = store_reply_texts(messages=messages)
            self.stdout.write(f"reply text computed for {done} messages")
            return
        fixed = still_failing = 0
        for message in messages.iterator():
            if reparse_message(message=message).parse_error:
                still_failing += 1
            else:
                fixed += 1
        self.stdout.write(
            f"reparsed {fixed + still_failing}, fixed {fixed}, still failing {still_failing}"
        )
