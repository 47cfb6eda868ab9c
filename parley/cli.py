"""The `parley` command.

`parley run` serves the web application and the background worker together on one machine;
`parley web` and `parley worker` run them separately (for several machines). Every other
word is a Django management command (`parley migrate`, `parley mailbox add`, `parley sync`,
`parley import`, `parley export`, `parley token create`, ...).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

WORKER_COMMANDS: list[list[str]] = [
    # The task queue (django.tasks, database backend).
    ["db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
    # Mailbox sync: IDLE/poll loop for every active mailbox.
    ["sync"],
    # Search index: catch up with new messages, contacts and organizations every few seconds.
    ["searchindex", "--loop"],
    # Outbox: send queued mail exactly once, file it in Sent (parley.compose.worker).
    ["outbox"],
    # E-mail triage: match new inbound mail, record codes, the assistant (parley.triage).
    ["triage", "--loop"],
    # Inbox timers: wake snoozed conversations that are due (parley.conversations).
    ["inbox_timers", "--loop"],
    # Meeting reminders the deferred task missed (parley.calls).
    ["meeting_reminders", "--loop"],
]


def _manage(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "parley.cli", *args]


def _web_command() -> list[str]:
    from django.conf import settings

    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        settings.BIND,
        "--worker-class",
        "gthread",
        "--workers",
        os.environ.get("PARLEY_WEB_WORKERS", "2"),
        "--threads",
        os.environ.get("PARLEY_WEB_THREADS", "8"),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]


def supervise(commands: list[list[str]]) -> int:
    """Start every command, stop all of them when one exits or on SIGTERM/SIGINT."""
    procs = [subprocess.Popen(cmd) for cmd in commands]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while not stopping:
        for proc in procs:
            if proc.poll() is not None:
                code = proc.returncode or 0
                stopping = True
        time.sleep(0.5)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    if args[:1] in (["run"], ["web"], ["worker"]):
        django.setup()
        from django.conf import settings

        worker = [_manage(cmd) for cmd in WORKER_COMMANDS]
        if args[0] == "web":
            commands = [_web_command()]
        elif args[0] == "worker":
            commands = worker
        else:
            subprocess.run(_manage(["collectstatic", "--noinput", "-v", "0"]), check=True)
            print(f"Parley is serving on http://{settings.BIND}/", flush=True)
            commands = [_web_command(), *worker]
        sys.exit(supervise(commands))

    from django.core.management import execute_from_command_line

    execute_from_command_line(["parley", *args])


if __name__ == "__main__":
    main()
