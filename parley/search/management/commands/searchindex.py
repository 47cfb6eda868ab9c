"""`parley searchindex [--loop]`: bring the search index up to date.

Without --loop it runs one pass and exits. With --loop (how `parley worker` runs it) it
runs a pass every --interval seconds until SIGTERM or SIGINT, finishing the current pass
first. A failing pass is logged and retried at the next interval.
"""

from __future__ import annotations

from typing import Any, override

from django.core.management.base import CommandParser

from parley.lib.loop import LoopCommand
from parley.search.indexer import catch_up


class Command(LoopCommand):
    help = "Index new and changed messages, contacts and organizations."
    interval = 3.0
    label = "Search index"
    done_message = "Search index: %d records indexed"

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep", action="store_true", help="Also re-read every record now.")

    @override
    def run_pass(self) -> int:
        return catch_up()

    @override
    def run_once(self, **options: Any) -> None:
        written = catch_up(force_sweep=options["sweep"])
        self.stdout.write(f"Indexed {written} records.")
