from __future__ import annotations

import pytest
from django.core.management import call_command

from parley.conversations.models import Conversation
from parley.mail.models import Direction, Mailbox, Message

pytestmark = pytest.mark.django_db


def test_the_demo_mailbox_is_paused_and_its_threads_are_threaded():
    call_command("demo")

    mailbox = Mailbox.objects.get(name="Demo")
    assert not mailbox.is_active
    conversations = Conversation.objects.filter(mailbox=mailbox)
    assert conversations.count() == 5
    invoice = conversations.get(subject__startswith="Faktura")
    directions = list(invoice.messages.values_list("direction", flat=True))
    assert directions == [Direction.INBOUND, Direction.OUTBOUND, Direction.INBOUND]
    assert Message.objects.count() == 8
