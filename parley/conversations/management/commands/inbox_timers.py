"""`parley inbox_timers [--loop]`: the inbox's timed work — wake snoozed conversations whose
time has come (back to Open, assignees notified) and forget stale presence rows.

The `wake_snoozed` task enqueued at snooze time normally does the waking; this sweep covers
task backends that cannot defer and tasks that were lost. Without --loop it runs one pass
and exits. With --loop (how `parley worker` runs it) it runs a pass every --interval
seconds until SIGTERM or SIGINT, finishing the current pass first; a failing pass is logged
and retried at the next interval. Every step is a compare-and-swap, so two workers running
it at once wake each conversation once.
"""

from __future__ import annotations

from typing import Any, override

from django.utils import timezone

from parley.conversations.models import Presence
from parley.conversations.services.records import PRESENCE_TTL
from parley.conversations.services.workflow import wake_due_snoozed
from parley.lib.loop import LoopCommand


def run_pass() -> int:
    """One pass: wake what is due; answers how many conversations woke."""
    woke = wake_due_snoozed()
    Presence.objects.filter(seen_at__lt=timezone.now() - 10 * PRESENCE_TTL).delete()
    return woke


class Command(LoopCommand):
    help = "Wake snoozed conversations whose time has come (and tidy presence rows)."
    interval = 15.0
    label = "Inbox timers"
    done_message = "Inbox timers: %d snoozed conversations woke"

    @override
    def run_pass(self) -> int:
        return run_pass()

    @override
    def run_once(self, **options: Any) -> None:
        self.stdout.write(f"Woke {run_pass()} conversations.")
