from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from parley.calls.exceptions import CallsError
from parley.calls.models import DialingMode, Meeting
from parley.calls.services import meetings as meeting_services
from parley.calls.services.meetings import (
    MeetingData,
    agenda_feed_for,
    create_meeting,
    delete_meeting,
    deliver_due_reminders,
    deliver_reminder,
    update_meeting,
)
from parley.calls.services.setup import add_meeting_project
from parley.calls.tasks import remind_meeting
from parley.cli import WORKER_COMMANDS
from parley.contacts.services import create_contact
from parley.conversations.models import Notification, NotificationKind
from parley.conversations.services.notifications import notify
from parley.conversations.tests.factories import make_conversation
from parley.lib import loop
from parley.testing import signed_in

pytestmark = pytest.mark.django_db

# In the future, so the agenda feed (which keeps 30 days of history) lists it.
START = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=10)


def _data(**overrides):
    base = {
        "name": "Renewal call",
        "window_start": START,
        "window_end": START + timedelta(minutes=30),
        "phone": "601 234 567",
    }
    return MeetingData(**(base | overrides))  # type: ignore[arg-type]  # a dict of mixed field types


@pytest.fixture
def meeting(team_a, bob, jan):
    project = add_meeting_project(team=team_a, name="Renewals")
    return create_meeting(
        team=team_a,
        actor=bob,
        data=_data(agent=bob, contact=jan, project=project, information="Ask; about, the offer"),
    )


def _events(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


# Services


def test_a_meeting_keeps_the_number_in_e164(meeting):
    assert meeting.phone_e164 == "+48601234567"


def test_a_window_ending_before_it_starts_is_refused(team_a, bob):
    with pytest.raises(CallsError):
        create_meeting(team=team_a, actor=bob, data=_data(window_end=START - timedelta(hours=1)))


def test_a_contact_of_another_team_is_refused(team_b, bob, jan):
    with pytest.raises(CallsError):
        create_meeting(team=team_b, actor=bob, data=_data(contact=jan))


def test_an_agent_outside_the_team_is_refused(team_a, bob, charlie):
    with pytest.raises(CallsError):
        create_meeting(team=team_a, actor=bob, data=_data(agent=charlie))


def test_the_reminder_is_delivered_once_at_the_window_start(meeting):
    assert not deliver_reminder(meeting=meeting, now=START - timedelta(minutes=1))
    assert deliver_reminder(meeting=meeting, now=START + timedelta(minutes=1))
    assert not deliver_reminder(meeting=meeting, now=START + timedelta(minutes=2))


def test_the_reminder_task_is_safe_for_a_deleted_meeting(db):
    assert remind_meeting.call(meeting_id=999) is False


def test_moving_a_meeting_resets_its_reminder_and_bumps_the_sequence(meeting):
    deliver_reminder(meeting=meeting, now=START + timedelta(minutes=1))
    later = START + timedelta(days=1)
    update_meeting(meeting=meeting, data=_data(window_start=later, window_end=later))
    meeting.refresh_from_db()
    assert meeting.reminded_at is None
    assert meeting.sequence == 1


def test_a_due_reminder_shows_in_the_live_notice_until_dismissed(client, bob, team_a):
    now = timezone.now()
    meeting = create_meeting(
        team=team_a,
        actor=bob,
        data=_data(
            window_start=now - timedelta(minutes=1), window_end=now + timedelta(hours=1), agent=bob
        ),
    )
    assert remind_meeting.call(meeting_id=meeting.pk) is True
    client.force_login(bob)
    assert "Renewal call" in client.get("/calls/live").text
    client.post(f"/meetings/{meeting.pk}/dismiss/")
    assert "Renewal call" not in client.get("/calls/live").text


# iCalendar


def test_the_ics_export_parses_back_with_the_meeting(client, bob, meeting):
    response = signed_in(client, bob).get(f"/meetings/{meeting.pk}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    [event] = _events(response.content)
    assert str(event["SUMMARY"]) == "Renewal call"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert str(event["UID"]) == f"{meeting.uid}@parley"
    assert str(event["LOCATION"]) == "tel:+48601234567"
    assert "Ask; about, the offer" in str(event["DESCRIPTION"])
    assert "Jan Kowalski" in str(event["DESCRIPTION"])
    [alarm] = event.walk("VALARM")
    assert (str(alarm["ACTION"]), alarm.decoded("TRIGGER")) == ("DISPLAY", timedelta(0))


def test_the_agenda_feed_lists_the_owners_meetings_only(client, bob, alice, team_a, meeting):
    create_meeting(team=team_a, actor=alice, data=_data(name="Alice's call", agent=alice))
    feed = agenda_feed_for(bob)
    response = client.get(f"/meetings/feed/{feed.token}.ics")
    assert response.status_code == 200
    assert [str(e["SUMMARY"]) for e in _events(response.content)] == ["Renewal call"]


def test_the_feed_needs_the_right_token(client, bob, meeting):
    agenda_feed_for(bob)
    assert client.get("/meetings/feed/wrong-token.ics").status_code == 404


def test_a_reset_feed_address_stops_the_old_one(client, bob, meeting):
    old = agenda_feed_for(bob).token
    signed_in(client, bob).post("/meetings/feed/reset/")
    assert client.get(f"/meetings/feed/{old}.ics").status_code == 404
    new = agenda_feed_for(bob).token
    assert client.get(f"/meetings/feed/{new}.ics").status_code == 200


def test_the_feed_stops_listing_a_team_the_owner_left(client, bob, team_a, meeting):
    feed = agenda_feed_for(bob)
    bob.memberships.filter(team=team_a).delete()
    response = client.get(f"/meetings/feed/{feed.token}.ics")
    assert _events(response.content) == []


# Views: owner, teammate, outsider, reader


def test_the_agenda_shows_my_meetings(client, bob, meeting):
    response = signed_in(client, bob).get("/meetings/")
    assert "Renewal call" in response.text


def test_the_agenda_of_a_teammate_shows_them_with_all(client, alice, meeting):
    client.force_login(alice)
    assert "Renewal call" not in client.get("/meetings/").text
    assert "Renewal call" in client.get("/meetings/", {"all": "1"}).text


def test_an_outsider_gets_404_for_a_meeting(client, charlie, meeting):
    client.force_login(charlie)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}.ics").status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/delete/").status_code == 404
    assert "Renewal call" not in client.get("/meetings/", {"all": "1"}).text


def test_a_reader_sees_a_meeting_but_may_not_change_it(client, dave, meeting):
    client.force_login(dave)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/delete/").status_code == 403
    assert client.get("/meetings/new/").status_code == 403


def test_a_teammate_plans_a_meeting_from_a_contact(client, alice, team_a, jan):
    client.force_login(alice)
    form = client.get("/meetings/new/", {"contact": jan.pk})
    assert "601 234 567" in form.text
    response = client.post(
        f"/meetings/new/?contact={jan.pk}",
        {
            "name": "Call Jan",
            "phone": "601 234 567",
            "dialing_mode": "automatic",
            "window_start": "2026-03-02T10:00",
            "window_end": "2026-03-02T10:30",
            "agent": alice.pk,
            "contact": jan.pk,
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert (meeting.dialing_mode, meeting.contact, meeting.agent) == (
        DialingMode.AUTOMATIC,
        jan,
        alice,
    )


def test_the_owner_edits_and_deletes_a_meeting(client, bob, meeting):
    client.force_login(bob)
    response = client.post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "name": "Moved call",
            "dialing_mode": "manual",
            "window_start": "2026-03-03T10:00",
            "window_end": "2026-03-03T10:30",
            "conversation": "999",
        },
    )
    assert "No such conversation" in response.text
    client.post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "name": "Moved call",
            "dialing_mode": "manual",
            "window_start": "2026-03-03T10:00",
            "window_end": "2026-03-03T10:30",
        },
    )
    meeting.refresh_from_db()
    assert meeting.name == "Moved call"
    client.post(f"/meetings/{meeting.pk}/delete/")
    assert not Meeting.objects.exists()


# The contact and conversation autocomplete of the form


def test_the_form_offers_autocompletes_instead_of_a_list_of_contacts(client, bob, team_a, jan):
    response = signed_in(client, bob).get("/meetings/new/")
    assert 'data-testid="meeting-contact"' in response.text
    assert 'data-testid="meeting-conversation"' in response.text
    assert "Kowalski" not in response.text


def test_the_form_shows_the_chosen_contact_and_conversation(client, bob, meeting, team_a):
    conversation = make_conversation(team_a, subject="Roof offer")
    update_meeting(meeting=meeting, data=_data(contact=meeting.contact, conversation=conversation))
    response = signed_in(client, bob).get(f"/meetings/{meeting.pk}/edit/")
    assert f'name="contact" value="{meeting.contact.pk}"' in response.text
    assert 'value="Jan Kowalski"' in response.text
    assert f'value="#{conversation.number} Roof offer"' in response.text


def test_the_form_saves_a_conversation_chosen_by_id(client, bob, meeting, team_a):
    conversation = make_conversation(team_a, subject="Roof offer")
    signed_in(client, bob).post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "name": "Call",
            "dialing_mode": "manual",
            "window_start": "2026-03-03T10:00",
            "window_end": "2026-03-03T10:30",
            "conversation": conversation.pk,
        },
    )
    meeting.refresh_from_db()
    assert meeting.conversation == conversation


def test_the_form_refuses_a_contact_of_another_team(client, bob, meeting, team_b):
    other = create_contact(team=team_b, fields={"first_name": "Obcy"})
    response = signed_in(client, bob).post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "name": "Call",
            "dialing_mode": "manual",
            "window_start": "2026-03-03T10:00",
            "window_end": "2026-03-03T10:30",
            "contact": other.pk,
        },
    )
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.contact != other


# The reminder in the notification centre


def _due_meeting(team, actor, *, agent, minutes_ago=1):
    now = timezone.now()
    return create_meeting(
        team=team,
        actor=actor,
        data=_data(
            window_start=now - timedelta(minutes=minutes_ago),
            window_end=now + timedelta(hours=1),
            agent=agent,
        ),
    )


def _meeting_notes(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.MEETING))


def test_the_reminder_notifies_the_agent_once_at_the_window_start(meeting, bob):
    assert not deliver_reminder(meeting=meeting, now=START - timedelta(seconds=1))
    assert _meeting_notes(bob) == []
    assert deliver_reminder(meeting=meeting, now=START)
    # The task's retry and the worker's sweep find it reminded already.
    assert not deliver_reminder(meeting=meeting, now=START + timedelta(minutes=1))
    assert deliver_due_reminders(now=START + timedelta(minutes=2)) == 0
    [note] = _meeting_notes(bob)
    assert note.meeting_id == meeting.pk
    assert note.read_at is None


def test_the_reminder_is_made_by_the_one_notify_function(meeting, bob, monkeypatch):
    made = []

    def spy(**kwargs):
        made.append(kwargs)
        return notify(**kwargs)

    monkeypatch.setattr(meeting_services, "notify", spy)
    assert deliver_reminder(meeting=meeting, now=START)
    assert [(m["kind"], m["meeting"].pk, list(m["user_ids"])) for m in made] == [
        (NotificationKind.MEETING, meeting.pk, [bob.pk])
    ]
    [note] = _meeting_notes(bob)
    assert (note.conversation_id, note.created_at) == (None, START)


def test_a_stale_copy_of_the_meeting_does_not_notify_twice(meeting, bob):
    stale = Meeting.objects.get(pk=meeting.pk)
    assert deliver_reminder(meeting=meeting, now=START)
    assert not deliver_reminder(meeting=stale, now=START)
    assert len(_meeting_notes(bob)) == 1


def test_the_sweep_reminds_due_meetings_only(team_a, bob):
    due = _due_meeting(team_a, bob, agent=bob)
    later = _due_meeting(team_a, bob, agent=bob, minutes_ago=-30)
    assert deliver_due_reminders() == 1
    assert [note.meeting_id for note in _meeting_notes(bob)] == [due.pk]
    later.refresh_from_db()
    assert later.reminded_at is None


def test_a_meeting_whose_window_is_over_is_not_reminded(meeting, bob):
    assert not deliver_reminder(meeting=meeting, now=START + timedelta(hours=2))
    assert deliver_due_reminders(now=START + timedelta(hours=2)) == 0
    assert _meeting_notes(bob) == []


def test_a_deleted_meeting_is_not_reminded_and_its_notification_goes(team_a, bob):
    gone = _due_meeting(team_a, bob, agent=bob)
    pk = gone.pk
    delete_meeting(meeting=gone)
    assert remind_meeting.call(meeting_id=pk) is False
    assert deliver_due_reminders() == 0
    reminded = _due_meeting(team_a, bob, agent=bob)
    deliver_due_reminders()
    delete_meeting(meeting=reminded)
    assert _meeting_notes(bob) == []


def test_a_meeting_without_an_agent_is_marked_but_notifies_nobody(team_a, bob):
    _due_meeting(team_a, bob, agent=None)
    assert deliver_due_reminders() == 1
    assert not Notification.objects.filter(kind=NotificationKind.MEETING).exists()


def test_the_worker_loop_reminds_a_due_meeting_once(team_a, bob, monkeypatch):
    # Closing "old" connections would close the test's own transaction.
    monkeypatch.setattr(loop, "close_old_connections", lambda: None)
    _due_meeting(team_a, bob, agent=bob)
    call_command("meeting_reminders", "--loop", "--passes", "3", "--interval", "0")
    call_command("meeting_reminders")
    assert len(_meeting_notes(bob)) == 1


def test_the_worker_runs_the_meeting_reminders_loop():
    assert ["meeting_reminders", "--loop"] in WORKER_COMMANDS


def test_the_notification_centre_shows_and_opens_the_meeting(client, team_a, bob):
    meeting = _due_meeting(team_a, bob, agent=bob)
    deliver_due_reminders()
    client.force_login(bob)
    page = client.get(reverse("web:notifications")).text
    assert "Meeting due" in page
    assert "Meeting: Renewal call — call 601 234 567 now" in page
    [note] = _meeting_notes(bob)
    response = client.post(reverse("web:notifications_read"), {"open": note.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_meeting_notification_counts_in_the_header_badge(client, team_a, bob):
    _due_meeting(team_a, bob, agent=bob)
    deliver_due_reminders()
    [note] = _meeting_notes(bob)
    badge = signed_in(client, bob).get(reverse("web:notification_badge")).text
    assert 'data-unread="1"' in badge
    assert f'data-latest="{note.pk}"' in badge


def test_a_meeting_notification_of_a_team_the_agent_left_is_hidden(client, team_a, bob):
    _due_meeting(team_a, bob, agent=bob)
    deliver_due_reminders()
    bob.memberships.filter(team=team_a).delete()
    page = signed_in(client, bob).get(reverse("web:notifications")).text
    assert "Renewal call" not in page


def test_dismissing_the_notice_marks_the_notification_read(client, team_a, bob):
    meeting = _due_meeting(team_a, bob, agent=bob)
    deliver_due_reminders()
    signed_in(client, bob).post(reverse("web:meeting_dismiss", args=[meeting.pk]))
    [note] = _meeting_notes(bob)
    assert note.read_at is not None
    badge = client.get(reverse("web:notification_badge")).text
    assert 'data-unread="0"' in badge
