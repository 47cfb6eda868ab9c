from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from parley.conversations.models import (
    Conversation,
    Notification,
    NotificationKind,
    Presence,
    Status,
)
from parley.conversations.services.records import touch_presence
from parley.conversations.services.workflow import set_assignees, snooze_conversations
from parley.conversations.tests.factories import make_conversation
from parley.lib import loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def snoozed(alice, bob, team_a):
    conversation = make_conversation(team_a)
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    until = timezone.now() + timedelta(hours=1)
    snooze_conversations(actor=alice, conversations=[conversation], until=until, note="later")
    return conversation


def test_one_pass_leaves_a_snooze_that_is_not_due(snoozed, capsys):
    call_command("inbox_timers")
    assert "Woke 0 conversations." in capsys.readouterr().out
    assert Conversation.objects.get(pk=snoozed.pk).snoozed_until is not None


def test_the_loop_wakes_a_due_snooze_once_and_notifies_the_assignee(snoozed, bob, monkeypatch):
    # Closing "old" connections would close the test's own transaction (PostgreSQL).
    monkeypatch.setattr(loop, "close_old_connections", lambda: None)
    before = signal.getsignal(signal.SIGTERM)
    with freeze_time(timezone.now() + timedelta(hours=2)):
        call_command("inbox_timers", "--loop", "--interval", "0", "--passes", "3")
    conversation = Conversation.objects.get(pk=snoozed.pk)
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)
    woke = Notification.objects.filter(user=bob, kind=NotificationKind.SNOOZE_WOKE)
    assert woke.count() == 1
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_pass_forgets_stale_presence(alice, bob, team_a):
    conversation = make_conversation(team_a)
    touch_presence(user=bob, conversation=conversation)
    with freeze_time(timezone.now() + timedelta(hours=1)):
        touch_presence(user=alice, conversation=conversation)
        call_command("inbox_timers")
    assert list(Presence.objects.values_list("user_id", flat=True)) == [alice.pk]


def test_the_worker_runs_the_inbox_timers_loop():
    from parley.cli import WORKER_COMMANDS

    assert ["inbox_timers", "--loop"] in WORKER_COMMANDS
