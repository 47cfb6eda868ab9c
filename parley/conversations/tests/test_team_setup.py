from __future__ import annotations

import pytest

from parley.conversations.exceptions import RefusedError
from parley.conversations.models import Priority, Queue, Tag
from parley.conversations.services.team_setup import (
    delete_setting,
    save_category,
    save_queue,
    save_tag,
    set_sla,
)
from parley.conversations.services.workflow import change_queue, change_tags
from parley.conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def test_it_creates_and_renames_a_queue_keeping_names_unique_per_team(bob, team_a, team_b):
    queue = save_queue(team=team_a, name="  Billing   desk ", default_assignee=bob)
    assert (queue.name, queue.default_assignee) == ("Billing desk", bob)
    save_queue(team=team_b, name="Billing desk", default_assignee=None)
    with pytest.raises(RefusedError, match="exists already"):
        save_queue(team=team_a, name="billing DESK", default_assignee=None)
    renamed = save_queue(team=team_a, name="Billing", default_assignee=None, queue=queue)
    assert (renamed.name, renamed.default_assignee) == ("Billing", None)


def test_it_refuses_empty_and_too_long_names(team_a):
    with pytest.raises(RefusedError, match="Enter a name"):
        save_category(team=team_a, name="   ")
    with pytest.raises(RefusedError, match="too long"):
        save_tag(team=team_a, name="x" * 51)


def test_the_default_assignee_must_be_an_agent_of_the_team(dave, charlie, team_a):
    for user in (dave, charlie):
        with pytest.raises(RefusedError, match="must be an agent"):
            save_queue(team=team_a, name="Sales", default_assignee=user)
    assert not Queue.objects.exists()


def test_moving_into_a_queue_gives_it_to_the_default_assignee(alice, bob, team_a):
    queue = save_queue(team=team_a, name="Billing", default_assignee=bob)
    conversation = make_conversation(team_a)
    change_queue(actor=alice, conversations=[conversation], queue=queue)
    assert list(conversation.assignees.all()) == [bob]


def test_deleting_a_tag_removes_it_from_conversations(alice, team_a):
    tag = save_tag(team=team_a, name="vip")
    conversation = make_conversation(team_a)
    change_tags(actor=alice, conversations=[conversation], add=[tag])
    delete_setting(row=tag)
    assert not Tag.objects.exists()
    assert not conversation.tags.exists()


def test_sla_targets_are_upserted_and_bounded(team_a):
    first = set_sla(
        team=team_a, priority=Priority.HIGH, first_response_minutes=60, resolution_minutes=None
    )
    again = set_sla(
        team=team_a, priority=Priority.HIGH, first_response_minutes=30, resolution_minutes=480
    )
    assert first.pk == again.pk
    assert (again.first_response_minutes, again.resolution_minutes) == (30, 480)
    with pytest.raises(RefusedError):
        set_sla(
            team=team_a, priority=Priority.LOW, first_response_minutes=0, resolution_minutes=None
        )


def test_new_conversations_use_the_sla_targets(team_a):
    set_sla(
        team=team_a, priority=Priority.NORMAL, first_response_minutes=60, resolution_minutes=None
    )
    conversation = make_conversation(team_a)
    assert conversation.first_response_due is not None
    assert conversation.resolution_due is None
