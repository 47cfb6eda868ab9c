from __future__ import annotations

import pytest

from parley.accounts.models import Role
from parley.accounts.services import set_membership
from parley.conversations.models import Notification, NotificationKind
from parley.conversations.services.records import add_note
from parley.conversations.services.workflow import set_assignees
from parley.conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(alice, bob, team_a):
    conversation = make_conversation(team_a, subject="Broken chair")
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    return conversation


def test_the_centre_lists_my_notifications(client, bob, assigned):
    client.force_login(bob)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert "Assigned to you" in response.text
    assert f"#{assigned.number} Broken chair" in response.text
    assert "by Alice Admin" in response.text


def test_a_teammate_does_not_see_my_notifications(client, alice, assigned):
    client.force_login(alice)
    assert "Broken chair" not in client.get("/notifications/").text
    assert "badge-unread" not in client.get("/notifications/badge/").text


def test_the_badge_counts_unread_notifications(client, alice, bob, assigned):
    add_note(actor=alice, conversation=assigned, body="@bob look")
    client.force_login(bob)
    response = client.get("/notifications/badge/")
    assert '<span class="badge badge-unread">2</span>' in response.text


def test_every_page_polls_the_badge(client, bob):
    client.force_login(bob)
    page = client.get("/settings/profile/").text
    assert 'hx-get="/notifications/badge/"' in page
    assert 'hx-trigger="load, every 30s, refresh-notifications from:body"' in page
    assert f'data-user="{bob.pk}" data-sound="on"' in page
    assert '<script src="/static/parley/notify.js" defer></script>' in page


def test_the_badge_names_the_newest_unread_notification(client, alice, bob, assigned):
    add_note(actor=alice, conversation=assigned, body="@bob look")
    first, second = Notification.objects.filter(user=bob).order_by("pk")
    client.force_login(bob)

    badge = client.get("/notifications/badge/").text
    assert f'data-unread="2" data-latest="{second.pk}"' in badge

    client.post("/notifications/read/", {"ids": [second.pk]})
    badge = client.get("/notifications/badge/").text
    assert f'data-unread="1" data-latest="{first.pk}"' in badge


def test_the_badge_of_a_user_without_notifications_names_none(client, bob):
    client.force_login(bob)

    assert 'data-unread="0" data-latest="0"' in client.get("/notifications/badge/").text


def test_mark_selected_and_all_read(client, alice, bob, assigned):
    add_note(actor=alice, conversation=assigned, body="@bob look")
    first, second = Notification.objects.filter(user=bob).order_by("pk")
    client.force_login(bob)
    response = client.post("/notifications/read/", {"ids": [first.pk]})
    assert response.status_code == 302
    assert list(Notification.objects.filter(user=bob, read_at__isnull=True)) == [second]
    client.post("/notifications/read/", {"all": "1"})
    assert not Notification.objects.filter(user=bob, read_at__isnull=True).exists()


def test_mark_all_read_over_htmx_answers_the_badge(client, bob, assigned):
    client.force_login(bob)
    response = client.post("/notifications/read/", {"all": "1"}, headers={"HX-Request": "true"})
    assert 'data-testid="notification-badge"' in response.text
    assert "badge-unread" not in response.text


def test_opening_a_notification_marks_it_read_and_goes_to_the_conversation(client, bob, assigned):
    note = Notification.objects.get(user=bob)
    client.force_login(bob)
    response = client.post("/notifications/read/", {"open": note.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/conversations/{assigned.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_i_cannot_mark_someone_elses_notification(client, alice, bob, assigned):
    note = Notification.objects.get(user=bob)
    client.force_login(alice)
    client.post("/notifications/read/", {"ids": [note.pk]})
    client.post("/notifications/read/", {"open": note.pk})
    note.refresh_from_db()
    assert note.read_at is None


def test_notifications_of_a_team_i_left_are_hidden(client, bob, charlie, team_b, assigned):
    # Bob moves to team B: team A's conversations are no longer his to see.
    set_membership(user=bob, team=team_b, role=Role.AGENT)
    bob.memberships.filter(team=assigned.team).delete()
    client.force_login(bob)
    assert "Broken chair" not in client.get("/notifications/").text
    response = client.post("/notifications/read/", {"open": Notification.objects.get(user=bob).pk})
    assert response["Location"] == "/notifications/"


def test_a_reader_uses_the_centre(client, alice, dave, assigned):
    add_note(actor=alice, conversation=assigned, body="@dave fyi")
    client.force_login(dave)
    assert str(NotificationKind.MENTION.label) in client.get("/notifications/").text


def test_anonymous_is_sent_to_log_in(client):
    assert client.get("/notifications/").status_code == 302
    assert client.post("/notifications/read/", {"all": "1"}).status_code == 302
