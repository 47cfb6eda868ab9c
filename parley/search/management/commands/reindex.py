"""`parley reindex`: rebuild the search index from scratch."""

from __future__ import annotations

import time
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parley.search.indexer import KINDS, reindex


class Command(BaseCommand):
    help = "Rebuild the search index (all kinds, or the ones named with --kind)."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            choices=[kind.name for kind in KINDS],
            help="Rebuild only this kind (repeatable).",
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        names = options["kind"] or [kind.name for kind in KINDS]
        kinds = [kind for kind in KINDS if kind.name in names]
        if not kinds:
            raise CommandError("Nothing to reindex.")
        started = time.monotonic()
        written = reindex(kinds)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Indexed {written} records in {elapsed:.1f} s.")
