"""The catch-up pass and the `parley triage` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parley.mail.ingest import ingest_raw
from parley.mail.models import MessageSource
from parley.triage import services
from parley.triage.models import AssistantMailbox, EmailTriage, State, TriageMark
from parley.triage.runner import catch_up
from parley.triage.tests.support import email

pytestmark = pytest.mark.django_db


def test_it_picks_up_a_message_committed_below_the_mark(mailbox):
    first = ingest_raw(raw=email(sender="a@x.pl"), source=MessageSource.INBOX, mailbox=mailbox)
    second = ingest_raw(raw=email(sender="b@x.pl"), source=MessageSource.INBOX, mailbox=mailbox)
    assert catch_up() == 2
    # A message that became visible late, below the mark, as on PostgreSQL.
    EmailTriage.objects.filter(message=first.message).delete()
    assert TriageMark.objects.get().last_pk == second.message.pk
    assert catch_up() == 1
    assert EmailTriage.objects.filter(message=first.message).exists()


def test_a_failing_message_stays_ready_and_the_pass_goes_on(mailbox, monkeypatch):
    real = services.triage_message

    def failing(*, message, assistant_ids=()):
        if "boom" in message.subject:
            raise RuntimeError("boom")
        return real(message=message, assistant_ids=assistant_ids)

    monkeypatch.setattr("parley.triage.runner.triage_message", failing)
    ingest_raw(raw=email(subject="boom"), source=MessageSource.INBOX, mailbox=mailbox)
    ingest_raw(raw=email(subject="fine"), source=MessageSource.INBOX, mailbox=mailbox)
    catch_up()
    states = dict(EmailTriage.objects.values_list("message__subject", "state"))
    assert states == {"boom": State.READY, "fine": State.READY}


def test_the_command_runs_one_pass(mailbox):
    ingest_raw(raw=email(), source=MessageSource.INBOX, mailbox=mailbox)
    out = StringIO()
    call_command("triage", stdout=out)
    assert "Triaged 1 messages." in out.getvalue()


def test_the_command_names_and_clears_the_assistant(mailbox):
    call_command("triage", assistant=mailbox.name, stdout=StringIO())
    assert AssistantMailbox.objects.get().mailbox == mailbox
    call_command("triage", assistant="", stdout=StringIO())
    assert not AssistantMailbox.objects.exists()


def test_the_command_rejects_an_unknown_mailbox(db):
    with pytest.raises(CommandError):
        call_command("triage", assistant="nope")
