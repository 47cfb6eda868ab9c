from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.accounts.services import set_membership
from parley.conversations.models import (
    Category,
    Conversation,
    EventKind,
    Notification,
    NotificationKind,
    Priority,
    PrioritySla,
    Queue,
    Status,
    Tag,
)
from parley.conversations.services.workflow import (
    change_category,
    change_priority,
    change_queue,
    change_tags,
    close_conversations,
    delete_conversations,
    reopen_conversations,
    set_assignees,
    set_following,
    snooze_conversations,
    unsnooze_conversations,
    wake_conversation,
    wake_due_snoozed,
)
from parley.conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def kinds(conversation):
    return list(conversation.events.values_list("kind", flat=True))


def fresh(conversation):
    return Conversation.objects.get(pk=conversation.pk)


def test_set_assignees_replaces_the_assignees_and_notifies_new_ones(alice, bob, team_a):
    conversations = [make_conversation(team_a), make_conversation(team_a)]
    set_assignees(actor=alice, conversations=conversations, users=[alice])

    result = set_assignees(actor=alice, conversations=conversations, users=[bob])

    assert len(result.succeeded) == 2
    for conversation in conversations:
        assert list(conversation.assignees.all()) == [bob]
        assert kinds(conversation)[-1] == EventKind.ASSIGNED
    # Alice assigned herself: no notification for her; Bob got one per conversation.
    assert Notification.objects.filter(user=alice).count() == 0
    assert Notification.objects.filter(user=bob, kind=NotificationKind.ASSIGNED).count() == 2


def test_set_assignees_refuses_readers_and_outsiders_per_conversation(request, alice, bob):
    charlie, dave = request.getfixturevalue("charlie"), request.getfixturevalue("dave")
    team_a, team_b = request.getfixturevalue("team_a"), request.getfixturevalue("team_b")
    ours, theirs = make_conversation(team_a), make_conversation(team_b)

    as_reader = set_assignees(actor=dave, conversations=[ours], users=[bob])
    mixed = set_assignees(actor=alice, conversations=[ours], users=[bob, charlie])

    assert as_reader.refused[0].reason
    assert "Charlie" in mixed.refused[0].reason
    assert not ours.assignees.exists()
    # An agent of both teams changes both; the refusal of one leaves the other done.
    set_membership(user=bob, team=team_b, role="reader")
    both = set_assignees(actor=bob, conversations=[ours, theirs], users=[bob])
    assert [o.ok for o in both.outcomes] == [True, False]


def test_changing_the_queue_unassigns_and_applies_the_default_assignee(alice, bob, team_a):
    sales = Queue.objects.create(team=team_a, name="Sales", default_assignee=bob)
    conversation = make_conversation(team_a)
    set_assignees(actor=alice, conversations=[conversation], users=[alice])

    change_queue(actor=alice, conversations=[conversation], queue=sales)

    assert list(conversation.assignees.all()) == [bob]
    assert fresh(conversation).queue == sales
    assert EventKind.QUEUE in kinds(conversation)


def test_a_queue_of_another_team_is_refused(alice, team_a, team_b):
    other = Queue.objects.create(team=team_b, name="Other")
    conversation = make_conversation(team_a)

    result = change_queue(actor=alice, conversations=[conversation], queue=other)

    assert not result.outcomes[0].ok
    assert fresh(conversation).queue is None


def test_new_conversations_go_to_the_queue_default_assignee(bob, team_a):
    queue = Queue.objects.create(team=team_a, name="Support", default_assignee=bob)

    conversation = make_conversation(team_a, queue=queue)

    assert list(conversation.assignees.all()) == [bob]


def test_close_and_reopen_in_bulk_report_each_conversation(alice, team_a):
    conversations = [make_conversation(team_a) for _ in range(3)]
    close_conversations(actor=alice, conversations=conversations[:2])

    result = close_conversations(actor=alice, conversations=conversations)
    reopened = reopen_conversations(actor=alice, conversations=conversations)

    assert [o.ok for o in result.outcomes] == [False, False, True]
    assert [o.ok for o in reopened.outcomes] == [True, True, True]
    assert all(fresh(c).status == Status.OPEN for c in conversations)
    event = conversations[0].events.filter(kind=EventKind.STATUS).order_by("pk")[0]
    assert event.data == {"old": "new", "new": "closed"}
    assert event.actor == alice


def test_sla_due_times_are_set_on_create_and_on_priority_change(alice, team_a):
    PrioritySla.objects.create(
        team=team_a, priority=Priority.NORMAL, first_response_minutes=60, resolution_minutes=480
    )
    PrioritySla.objects.create(team=team_a, priority=Priority.URGENT, first_response_minutes=15)
    conversation = make_conversation(team_a)

    assert conversation.first_response_due == conversation.created_at + timedelta(hours=1)
    assert conversation.resolution_due == conversation.created_at + timedelta(hours=8)

    change_priority(actor=alice, conversations=[conversation], priority=Priority.URGENT)

    conversation = fresh(conversation)
    assert conversation.priority == Priority.URGENT
    assert conversation.first_response_due == conversation.created_at + timedelta(minutes=15)
    assert conversation.resolution_due is None
    assert EventKind.PRIORITY in kinds(conversation)


def test_category_and_tags_change_within_the_team_only(alice, team_a, team_b):
    billing = Category.objects.create(team=team_a, name="Billing")
    vip, urgent = (
        Tag.objects.create(team=team_a, name="vip"),
        Tag.objects.create(team=team_a, name="urgent"),
    )
    foreign = Tag.objects.create(team=team_b, name="vip")
    conversation = make_conversation(team_a)

    change_category(actor=alice, conversations=[conversation], category=billing)
    change_tags(actor=alice, conversations=[conversation], add=[vip, urgent])
    change_tags(actor=alice, conversations=[conversation], remove=[urgent])
    refused = change_tags(actor=alice, conversations=[conversation], add=[foreign])

    assert fresh(conversation).category == billing
    assert list(conversation.tags.all()) == [vip]
    assert not refused.outcomes[0].ok
    assert kinds(conversation).count(EventKind.TAGS) == 2


def test_snooze_hides_until_woken_then_opens_and_notifies_assignees(alice, bob, team_a):
    conversation = make_conversation(team_a)
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    until = timezone.now() + timedelta(hours=2)

    snooze_conversations(actor=alice, conversations=[conversation], until=until, note="Call back")

    assert Conversation.objects.snoozed().filter(pk=conversation.pk).exists()
    assert not Conversation.objects.open().filter(pk=conversation.pk).exists()
    assert not wake_conversation(conversation_id=conversation.pk)
    assert wake_due_snoozed(now=until + timedelta(seconds=1)) == 1
    assert not wake_conversation(conversation_id=conversation.pk, now=until + timedelta(hours=1))
    conversation = fresh(conversation)
    assert conversation.status == Status.OPEN
    assert conversation.snoozed_until is None
    assert Notification.objects.filter(user=bob, kind=NotificationKind.SNOOZE_WOKE).count() == 1
    assert kinds(conversation)[-2:] == [EventKind.SNOOZED, EventKind.WOKE]


def test_snoozing_into_the_past_or_a_closed_conversation_is_refused(alice, team_a):
    closed = make_conversation(team_a)
    close_conversations(actor=alice, conversations=[closed])
    open_one = make_conversation(team_a)
    past = timezone.now() - timedelta(minutes=1)

    assert (
        not snooze_conversations(actor=alice, conversations=[open_one], until=past).outcomes[0].ok
    )
    result = snooze_conversations(
        actor=alice, conversations=[closed], until=timezone.now() + timedelta(days=1)
    )
    assert not result.outcomes[0].ok


def test_unsnooze_and_close_end_a_snooze(alice, team_a):
    a, b = make_conversation(team_a), make_conversation(team_a)
    until = timezone.now() + timedelta(days=1)
    snooze_conversations(actor=alice, conversations=[a, b], until=until)

    unsnooze_conversations(actor=alice, conversations=[a])
    close_conversations(actor=alice, conversations=[b])

    assert fresh(a).snoozed_until is None
    assert fresh(b).snoozed_until is None


def test_follow_and_unfollow_record_events_once(bob, dave, team_a):
    conversation = make_conversation(team_a)

    assert set_following(actor=bob, conversation=conversation, follow=True)
    assert not set_following(actor=bob, conversation=conversation, follow=True)
    assert set_following(actor=bob, conversation=conversation, follow=False)

    assert kinds(conversation)[-2:] == [EventKind.FOLLOWED, EventKind.UNFOLLOWED]
    assert not conversation.followers.exists()


def test_delete_needs_the_grant_and_hides_the_conversation(alice, bob, team_a):
    conversation = make_conversation(team_a)

    refused = delete_conversations(actor=bob, conversations=[conversation])
    set_membership(user=bob, team=team_a, role="agent", can_delete=True)
    done = delete_conversations(actor=bob, conversations=[conversation])

    assert "not allowed" in refused.outcomes[0].reason
    assert done.outcomes[0].ok
    assert not Conversation.objects.visible_to(alice).filter(pk=conversation.pk).exists()
