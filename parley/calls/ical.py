"""Meetings as iCalendar (RFC 5545): one event per meeting, and a user's agenda feed.

Pure rendering with the `icalendar` package: no database writes. Times are written in UTC;
UID is the meeting's stable uuid and SEQUENCE grows with each change, so calendar apps update
the event instead of adding a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from django.conf import settings
from django.urls import reverse
from icalendar import Alarm, Calendar, Event

from parley.calls.models import Meeting

PRODID = "-//Parley//Meetings//EN"


def _event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", f"{meeting.uid}@parley")
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("dtstart", meeting.window_start.astimezone(UTC))
    event.add("dtend", meeting.window_end.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.name)
    lines = [meeting.phone_raw, meeting.information]
    if meeting.contact is not None:
        lines.insert(0, meeting.contact.display_name)
    event.add("description", "\n".join(line for line in lines if line))
    if meeting.phone_e164:
        event.add("location", f"tel:{meeting.phone_e164}")
    event.add("url", settings.SITE_URL + reverse("web:meeting", args=[meeting.pk]))
    if meeting.project is not None:
        event.add("categories", [meeting.project.name])
    event.add_component(_reminder(meeting))
    return event


def _reminder(meeting: Meeting) -> Alarm:
    """A display alarm at the window start, like Parley's own reminder notice."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(0))
    alarm.add("description", meeting.name)
    return alarm


def calendar_for(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """An iCalendar file with one VEVENT per meeting."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    ical: bytes = calendar.to_ical()
    return ical
