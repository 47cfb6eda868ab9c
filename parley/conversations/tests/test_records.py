from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.contacts.models import Contact
from parley.conversations.exceptions import RefusedError
from parley.conversations.models import (
    Conversation,
    ConversationRead,
    EventKind,
    Note,
    NoteKind,
    Notification,
    NotificationKind,
    Presence,
    Priority,
    Source,
    Status,
    Tag,
)
from parley.conversations.services.notifications import (
    mark_notifications_read,
    notify_new_replies,
    unread_notification_count,
)
from parley.conversations.services.records import (
    add_note,
    create_on_behalf,
    link_contact,
    mark_read,
    merge_conversations,
    others_present,
    split_message,
    touch_presence,
)
from parley.conversations.services.workflow import change_tags, set_assignees, set_following
from parley.conversations.tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


def fresh(conversation):
    return Conversation.objects.get(pk=conversation.pk)


def test_merge_moves_messages_notes_and_tags_and_closes_the_source(alice, bob, team_a):
    source, target = make_conversation(team_a, "First"), make_conversation(team_a, "Second")
    make_message(source)
    make_message(source)
    make_message(target)
    add_note(actor=alice, conversation=source, body="Called them")
    vip = Tag.objects.create(team=team_a, name="vip")
    change_tags(actor=alice, conversations=[source], add=[vip])
    set_assignees(actor=alice, conversations=[source], users=[bob])

    merge_conversations(actor=alice, source=source, target=target)

    source, target = fresh(source), fresh(target)
    assert target.messages.count() == 3
    assert target.message_count == 3
    assert target.notes.count() == 1
    assert list(target.tags.all()) == [vip]
    assert list(target.assignees.all()) == [bob]
    assert source.merged_into == target
    assert source.status == Status.CLOSED
    assert source.message_count == 0
    assert source.events.last().data == {"into": target.number}
    assert target.events.last().data == {"merged": source.number}
    assert not Conversation.objects.listed().filter(pk=source.pk).exists()


def test_merge_refuses_itself_other_teams_readers_and_merged_ones(alice, dave, team_a, team_b):
    a, b, c = make_conversation(team_a), make_conversation(team_a), make_conversation(team_b)

    for source, target, actor in [(a, a, alice), (a, c, alice), (a, b, dave)]:
        with pytest.raises(RefusedError):
            merge_conversations(actor=actor, source=source, target=target)
    merge_conversations(actor=alice, source=a, target=b)
    with pytest.raises(RefusedError):
        merge_conversations(actor=alice, source=fresh(a), target=b)


def test_split_moves_a_message_into_a_new_conversation_that_inherits_fields(alice, bob, team_a):
    source = make_conversation(team_a, "Invoice", priority=Priority.HIGH)
    make_message(source)
    second = make_message(source, text="Another matter")
    set_assignees(actor=alice, conversations=[source], users=[bob])

    new = split_message(actor=alice, message=second)

    assert new.subject == "Invoice"
    assert new.status == Status.NEW
    assert new.priority == Priority.HIGH
    assert list(new.assignees.all()) == [bob]
    assert list(new.messages.all()) == [second]
    assert fresh(new).message_count == 1
    assert fresh(source).message_count == 1
    assert source.events.latest("pk").kind == EventKind.SPLIT
    assert new.events.latest("pk").data == {"message": second.pk, "source": source.number}


def test_the_only_message_cannot_be_split_off(alice, team_a):
    source = make_conversation(team_a)
    only = make_message(source)

    with pytest.raises(RefusedError):
        split_message(actor=alice, message=only)


def test_a_note_mentions_team_members_and_makes_the_conversation_active(alice, bob, team_a):
    conversation = make_conversation(team_a)
    before = conversation.last_activity_at

    note = add_note(actor=alice, conversation=conversation, body="@bob please call jan@example.pl")

    assert note.kind == NoteKind.INTERNAL
    assert fresh(conversation).last_activity_at > before
    mentions = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert [n.user for n in mentions] == [bob]


def test_readers_cannot_write_notes_and_empty_notes_are_refused(alice, dave, team_a):
    conversation = make_conversation(team_a)

    with pytest.raises(RefusedError):
        add_note(actor=dave, conversation=conversation, body="hi")
    with pytest.raises(RefusedError):
        add_note(actor=alice, conversation=conversation, body="   ")


def test_create_on_behalf_records_the_customer_message_as_a_note(alice, team_a):
    contact = Contact.objects.create(team=team_a, first_name="Jan", last_name="Kowalski")

    conversation = create_on_behalf(
        actor=alice,
        team=team_a,
        subject="Phone: broken printer",
        source=Source.PHONE,
        body="The printer is broken again.",
        contact=contact,
    )

    assert conversation.source == Source.PHONE
    assert conversation.contact == contact
    assert conversation.message_count == 0
    note = Note.objects.get(conversation=conversation)
    assert note.kind == NoteKind.RECORDED
    assert note.author == alice


def test_create_on_behalf_refuses_email_and_readers(alice, dave, team_a):
    with pytest.raises(RefusedError):
        create_on_behalf(actor=alice, team=team_a, subject="x", source=Source.EMAIL, body="x")
    with pytest.raises(RefusedError):
        create_on_behalf(actor=dave, team=team_a, subject="x", source=Source.PHONE, body="x")


def test_link_contact_sets_the_organization_and_records_an_event(alice, team_a, team_b):
    conversation = make_conversation(team_a)
    ours = Contact.objects.create(team=team_a, first_name="Jan")
    theirs = Contact.objects.create(team=team_b, first_name="Ola")

    link_contact(actor=alice, conversation=conversation, contact=ours)
    with pytest.raises(RefusedError):
        link_contact(actor=alice, conversation=conversation, contact=theirs)

    assert fresh(conversation).contact == ours
    assert conversation.events.latest("pk").kind == EventKind.LINKED


def test_mark_read_upserts_one_row_per_user(bob, team_a):
    conversation = make_conversation(team_a)

    mark_read(user=bob, conversation=conversation)
    mark_read(user=bob, conversation=conversation)

    assert ConversationRead.objects.filter(user=bob).count() == 1


def test_presence_shows_other_recent_viewers_only(alice, bob, team_a):
    conversation = make_conversation(team_a)
    touch_presence(user=alice, conversation=conversation)
    touch_presence(user=bob, conversation=conversation, replying=True)

    others = others_present(user=alice, conversation=conversation)
    Presence.objects.filter(user=bob).update(seen_at=timezone.now() - timedelta(minutes=5))

    assert [(p.user, p.is_replying) for p in others] == [(bob, True)]
    assert others_present(user=alice, conversation=conversation) == []


def test_new_reply_notifies_assignees_and_followers_once(alice, bob, team_a):
    conversation = make_conversation(team_a)
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    set_following(actor=bob, conversation=conversation, follow=True)
    set_following(actor=alice, conversation=conversation, follow=True)

    notify_new_replies(conversations=[conversation])

    assert unread_notification_count(bob) == 2  # assigned + reply
    assert unread_notification_count(alice) == 1
    assert mark_notifications_read(user=bob) == 2
    assert unread_notification_count(bob) == 0
