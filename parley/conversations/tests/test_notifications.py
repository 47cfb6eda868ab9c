"""Notifications are made in one place: `notify` (a conversation or a meeting) and its batch
form for new replies, `notify_new_replies`, with a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.calls.services.meetings import MeetingData, create_meeting
from parley.conversations.models import Notification, NotificationKind
from parley.conversations.services.notifications import notify, notify_new_replies
from parley.conversations.services.workflow import set_assignees, set_following
from parley.conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def _meeting(team, actor):
    now = timezone.now()
    data = MeetingData(
        name="Renewal call", window_start=now, window_end=now + timedelta(hours=1), agent=actor
    )
    return create_meeting(team=team, actor=actor, data=data)


def test_notify_takes_a_meeting_as_its_subject(team_a, alice, bob):
    meeting = _meeting(team_a, bob)
    made = notify(
        user_ids=[bob.pk, bob.pk, alice.pk],
        kind=NotificationKind.MEETING,
        meeting=meeting,
        actor=alice,
    )
    assert [(n.user_id, n.meeting_id, n.conversation_id) for n in made] == [
        (bob.pk, meeting.pk, None)
    ]
    assert Notification.objects.get().meeting_id == meeting.pk


def test_notify_refuses_no_subject_or_two(team_a, bob):
    conversation = make_conversation(team_a)
    meeting = _meeting(team_a, bob)
    with pytest.raises(ValueError, match="exactly one"):
        notify(user_ids=[bob.pk], kind=NotificationKind.REPLY)
    with pytest.raises(ValueError, match="exactly one"):
        notify(
            user_ids=[bob.pk],
            kind=NotificationKind.REPLY,
            conversation=conversation,
            meeting=meeting,
        )
    assert not Notification.objects.exists()


def test_new_replies_notify_each_conversations_assignees_and_followers_once(
    team_a, alice, bob, dave
):
    first, second, quiet = (make_conversation(team_a, f"Order {n}") for n in range(3))
    set_assignees(actor=alice, conversations=[first], users=[bob])
    set_following(actor=bob, conversation=first, follow=True)
    set_following(actor=dave, conversation=second, follow=True)
    Notification.objects.all().delete()

    made = notify_new_replies(conversations=[first, second, quiet])

    assert sorted((n.conversation_id, n.user_id) for n in made) == [
        (first.pk, bob.pk),
        (second.pk, dave.pk),
    ]
    assert {n.kind for n in Notification.objects.all()} == {NotificationKind.REPLY}
    assert Notification.objects.count() == 2


def test_new_replies_cost_the_same_queries_for_one_or_twenty_conversations(team_a, alice, bob):
    def queries(count):
        conversations = [make_conversation(team_a, f"Order {n}") for n in range(count)]
        set_assignees(actor=alice, conversations=conversations, users=[bob])
        for conversation in conversations:
            set_following(actor=alice, conversation=conversation, follow=True)
        with CaptureQueriesContext(connection) as captured:
            made = notify_new_replies(conversations=conversations)
        assert len(made) == 2 * count
        return len(captured)

    assert queries(1) == queries(20) == 2


def test_no_conversations_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notify_new_replies(conversations=[]) == []
