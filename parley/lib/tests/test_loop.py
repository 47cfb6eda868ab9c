"""`LoopCommand`: SIGTERM during a pass, the loop-unless---once workers and `serving`."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any, override

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import CommandParser

from parley.lib import loop


class Recorder(loop.LoopCommand):
    """Records what it does; its first pass receives SIGTERM half-way through."""

    interval = 0.0
    label = "Test"

    def __init__(self) -> None:
        super().__init__(stdout=StringIO())
        self.events: list[str] = []

    @override
    def run_pass(self) -> int:
        self.events.append("pass starts")
        if self.events.count("pass starts") == 1:
            os.kill(os.getpid(), signal.SIGTERM)
        self.events.append("pass ends")
        return 1

    @override
    def run_once(self, **options: Any) -> None:
        self.events.append("once")


class Worker(Recorder):
    """A worker shaped like `sync` and `outbox`: loops unless --once, state in `serving`."""

    loop_by_default = True
    stop_message = "%s, finishing..."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true")

    @override
    @contextmanager
    def serving(self, stop: threading.Event, **options: Any) -> Iterator[None]:
        self.events.append("serving")
        try:
            yield
        finally:
            self.events.append(f"wound down, stop set: {stop.is_set()}")


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    # These commands touch no database; nothing to close between passes.
    monkeypatch.setattr(loop, "close_old_connections", lambda: None)


def test_sigterm_during_a_pass_of_a_loop_stops_after_that_pass() -> None:
    command = Recorder()
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    call_command(command, "--loop", "--interval", "0")

    assert command.events == ["pass starts", "pass ends"]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_worker_loops_without_loop_and_winds_down_after_the_pass() -> None:
    command = Worker()
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    call_command(command)

    assert command.events == ["serving", "pass starts", "pass ends", "wound down, stop set: True"]
    assert command.stdout.getvalue() == f"{signal.strsignal(signal.SIGTERM)}, finishing...\n"
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_worker_runs_once_with_once() -> None:
    command = Worker()
    call_command(command, "--once")
    assert command.events == ["once"]


@pytest.mark.parametrize("option", ["--loop", "--interval=1", "--passes=1"])
def test_a_worker_keeps_its_own_command_line(option: str) -> None:
    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command(Worker(), option)
