"""`parley meeting_reminders [--loop]`: remind agents of phone meetings whose window started.

The `remind_meeting` task deferred to the window start normally does it; this sweep covers
task backends that cannot defer (PARLEY_TASKS=immediate) and tasks that were lost. Without
--loop it runs one pass and exits. With --loop (how `parley worker` runs it) it runs a pass
every --interval seconds until SIGTERM or SIGINT; a failing pass is logged and retried at the
next interval. Each reminder is a compare-and-swap on `reminded_at`, so the task and two
sweeps running at once notify the agent once.
"""

from __future__ import annotations

from typing import Any, override

from parley.calls.services.meetings import deliver_due_reminders
from parley.lib.loop import LoopCommand


class Command(LoopCommand):
    help = "Remind agents of phone meetings whose window has started."
    interval = 20.0
    label = "Meeting reminders"
    done_message = "Meeting reminders: %d meetings reminded"

    @override
    def run_pass(self) -> int:
        return deliver_due_reminders()

    @override
    def run_once(self, **options: Any) -> None:
        self.stdout.write(f"Reminded {deliver_due_reminders()} meetings.")
