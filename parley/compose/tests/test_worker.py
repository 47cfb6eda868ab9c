"""The outbox loop and `parley outbox` against aiosmtpd (issue 5 part 4)."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from parley.cli import WORKER_COMMANDS
from parley.compose.management.commands import outbox as outbox_command
from parley.compose.models import Kind, OutgoingMessage, State
from parley.compose.services.drafts import queue_message, start_reply
from parley.compose.services.outbox import claim
from parley.compose.tests.support import customer_message, receive
from parley.compose.worker import OutboxWorker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued(bob, mailbox, settings):
    settings.PARLEY_UNDO_SECONDS = 0
    parent = receive(mailbox, customer_message())
    draft = start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)
    return queue_message(outgoing=draft, user=bob, now=timezone.now() - timedelta(seconds=1))


def queue_reply(bob, mailbox, n: int) -> OutgoingMessage:
    parent = receive(mailbox, customer_message(n=n))
    draft = start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)
    return queue_message(outgoing=draft, user=bob, now=timezone.now() - timedelta(seconds=1))


def sigterm_at(step: str, monkeypatch) -> list[OutboxWorker]:
    """Make `parley outbox` send itself SIGTERM when a message reaches `step` of the SMTP
    exchange, and wait there until the signal handler has stopped the loop."""
    workers: list[OutboxWorker] = []

    def hook(name: str) -> None:
        if name == step and not workers[0].shutdown.is_set():
            os.kill(os.getpid(), signal.SIGTERM)
            assert workers[0].shutdown.wait(10)

    def make_worker(**kwargs) -> OutboxWorker:
        workers.append(OutboxWorker(hook=hook, **kwargs))
        return workers[-1]

    monkeypatch.setattr(outbox_command, "OutboxWorker", make_worker)
    return workers


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_the_loop_sends_with_its_thread_pool_and_stops_on_request(queued, smtp_server):
    worker = OutboxWorker(threads=2, scan_seconds=0.05)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: OutgoingMessage.objects.get(pk=queued.pk).state == State.SENT)
    finally:
        worker.shutdown.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert len(smtp_server.messages) == 1


def test_the_command_once_sends_what_is_due(queued, smtp_server):
    out = StringIO()

    call_command("outbox", "--once", stdout=out)

    assert "1 message(s) handled." in out.getvalue()
    assert OutgoingMessage.objects.get(pk=queued.pk).state == State.SENT
    assert len(smtp_server.messages) == 1


def test_the_command_puts_an_abandoned_attempt_in_check_on_start(queued, smtp_server, settings):
    settings.PARLEY_OUTBOX_STALE_SECONDS = 60
    assert queued.send_at is not None
    assert claim(pk=queued.pk, now=queued.send_at)
    OutgoingMessage.objects.filter(pk=queued.pk).update(
        attempt_started_at=timezone.now() - timedelta(hours=1)
    )

    call_command("outbox", "--once", stdout=StringIO())

    assert OutgoingMessage.objects.get(pk=queued.pk).state == State.CHECK
    assert smtp_server.messages == []


def test_sigterm_lets_the_message_in_flight_finish_then_stops(queued, smtp_server, monkeypatch):
    workers = sigterm_at("before_data", monkeypatch)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    out = StringIO()

    call_command("outbox", stdout=out)

    assert workers[0].shutdown.is_set()
    assert OutgoingMessage.objects.get(pk=queued.pk).state == State.SENT
    assert len(smtp_server.messages) == 1
    assert out.getvalue() == ""
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_sigterm_sends_nothing_more_after_the_message_in_flight(
    queued, bob, mailbox, smtp_server, monkeypatch
):
    later = queue_reply(bob, mailbox, n=2)
    sigterm_at("before_data", monkeypatch)

    call_command("outbox", "--threads", "0", stdout=StringIO())

    assert OutgoingMessage.objects.get(pk=queued.pk).state == State.SENT
    assert OutgoingMessage.objects.get(pk=later.pk).state == State.WAITING
    assert len(smtp_server.messages) == 1


def test_parley_worker_runs_the_outbox():
    assert ["outbox"] in WORKER_COMMANDS
