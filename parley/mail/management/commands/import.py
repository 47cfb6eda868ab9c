# noqa: N999 - the command word is `import`; Django loads the module by file name.
"""`parley import PATH --mailbox NAME`: import an mbox, a Maildir or .eml files."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.mail.importer import import_path
from parley.mail.models import Mailbox


class Command(BaseCommand):
    help = "Import mail from an mbox file, a Maildir, a folder of .eml files or one .eml file."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--mailbox", required=True, help="Name of the mailbox to file into.")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
        if mailbox is None:
            raise CommandError(f"No mailbox named {options['mailbox']!r}.")
        counts = import_path(path=path, mailbox=mailbox)
        self.stdout.write(
            f"read {counts.read}, new {counts.new}, duplicates {counts.duplicates}, "
            f"parse errors {counts.parse_errors}"
        )
