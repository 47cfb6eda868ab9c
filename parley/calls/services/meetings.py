"""Phone meetings: plan, change and delete them; reminders at the window start; agenda feeds.

Each public function is a transaction boundary. Creating or moving a meeting schedules its
reminder on commit: a `remind_meeting` task deferred to the window start when the task backend
can defer (the database and Redis backends can), which marks the meeting reminded once
(compare-and-swap on `reminded_at`) and, in the same transaction, puts a "Meeting due"
notification in the agent's notification centre; the agent also sees it in the live notices
poll. `deliver_due_reminders` sweeps for reminders whose task was lost or could not be
deferred (the `parley meeting_reminders --loop` worker).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Team, User
from parley.calls.exceptions import CallsError
from parley.calls.models import AgendaFeed, DialingMode, Meeting, MeetingProject, new_secret
from parley.calls.services.calls import e164_or_blank
from parley.conversations.models import Notification, NotificationKind
from parley.conversations.services.notifications import notify

if TYPE_CHECKING:
    from parley.contacts.models import Contact
    from parley.conversations.models import Conversation

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingData:
    name: str
    window_start: datetime
    window_end: datetime
    phone: str = ""
    dialing_mode: DialingMode = DialingMode.MANUAL
    information: str = ""
    project: MeetingProject | None = None
    agent: User | None = None
    contact: Contact | None = None
    conversation: Conversation | None = None


def _check(team: Team, data: MeetingData) -> str:
    """Validate `data` for `team`; the phone number in E.164 (or "")."""
    if not data.name.strip():
        raise CallsError(_("A meeting needs a name."))
    if data.window_end < data.window_start:
        raise CallsError(_("The window must end after it starts."))
    e164 = e164_or_blank(data.phone)
    if data.phone.strip() and not e164:
        raise CallsError(_("“%(number)s” is not a valid phone number.") % {"number": data.phone})
    related = (data.project, data.contact, data.conversation)
    if any(item is not None and item.team_id != team.pk for item in related):
        raise CallsError(_("Project, contact and conversation must belong to the team."))
    if data.agent is not None and not data.agent.memberships.filter(team=team).exists():
        raise CallsError(_("The agent must be a member of the team."))
    return e164


def _apply(meeting: Meeting, data: MeetingData, e164: str) -> None:
    meeting.name = data.name.strip()[:200]
    meeting.phone_raw = data.phone.strip()[:64]
    meeting.phone_e164 = e164
    meeting.dialing_mode = data.dialing_mode
    meeting.window_start = data.window_start
    meeting.window_end = data.window_end
    meeting.information = data.information
    meeting.project = data.project
    meeting.agent = data.agent
    meeting.contact = data.contact
    meeting.conversation = data.conversation


def _schedule_reminder(meeting: Meeting) -> None:
    from parley.calls.tasks import remind_meeting

    if not default_task_backend.supports_defer:
        # The immediate backend (tests, PARLEY_TASKS=immediate) cannot wait; nothing to do.
        return
    meeting_id, start = meeting.pk, meeting.window_start
    transaction.on_commit(
        lambda: remind_meeting.using(run_after=start).enqueue(meeting_id=meeting_id)
    )


def create_meeting(*, team: Team, actor: User, data: MeetingData) -> Meeting:
    """Plan a meeting; its reminder is scheduled on commit."""
    e164 = _check(team, data)
    with transaction.atomic(durable=True):
        meeting = Meeting(team=team, created_by=actor)
        _apply(meeting, data, e164)
        meeting.save()
        _schedule_reminder(meeting)
    return meeting


def update_meeting(*, meeting: Meeting, data: MeetingData) -> Meeting:
    """Change a meeting; a moved window gets a new reminder (the old task finds it early)."""
    team = meeting.team
    e164 = _check(team, data)
    moved = data.window_start != meeting.window_start
    with transaction.atomic(durable=True):
        _apply(meeting, data, e164)
        meeting.sequence += 1
        meeting.updated_at = timezone.now()
        if moved:
            meeting.reminded_at = meeting.reminder_dismissed_at = None
        meeting.save()
        if moved:
            _schedule_reminder(meeting)
    return meeting


def delete_meeting(*, meeting: Meeting) -> None:
    with transaction.atomic(durable=True):
        meeting.delete()


def deliver_reminder(*, meeting: Meeting, now: datetime | None = None) -> bool:
    """Remind the agent if the meeting's window has started; True only the first time.

    The compare-and-swap on `reminded_at` and the agent's notification share a transaction,
    so the task, its retry and the sweep together notify once. A task that runs before the
    start (the meeting was moved later) does nothing; the task scheduled for the new start
    delivers it. A meeting whose window is over is not reminded any more.
    """
    now = now or timezone.now()
    if meeting.window_start > now or meeting.window_end < now:
        return False
    with transaction.atomic(durable=True):
        changed = Meeting.objects.filter(
            pk=meeting.pk, reminded_at__isnull=True, window_start__lte=now, window_end__gte=now
        ).update(reminded_at=now)
        if changed and meeting.agent_id is not None:
            notify(
                user_ids=[meeting.agent_id],
                kind=NotificationKind.MEETING,
                meeting=meeting,
                created_at=now,
            )
    if changed:
        logger.info("Reminded agent of meeting %s", meeting.pk)
    return bool(changed)


def deliver_due_reminders(*, now: datetime | None = None) -> int:
    """Remind every meeting whose window is open and not yet reminded; how many were."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        reminded_at__isnull=True, window_start__lte=now, window_end__gte=now
    ).order_by("window_start", "pk")
    return sum(deliver_reminder(meeting=meeting, now=now) for meeting in due[:500])


def dismiss_reminder(*, meeting: Meeting) -> Meeting:
    """Hide the live notice; the agent's "Meeting due" notification counts as read too."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        meeting.reminder_dismissed_at = now
        meeting.save(update_fields=["reminder_dismissed_at"])
        Notification.objects.filter(
            meeting_id=meeting.pk, kind=NotificationKind.MEETING, read_at__isnull=True
        ).update(read_at=now)
    return meeting


def agenda_feed_for(user: User) -> AgendaFeed:
    """The user's feed address, created on first use."""
    with transaction.atomic():
        feed, _created = AgendaFeed.objects.get_or_create(user=user)
    return feed


def reset_agenda_feed(*, user: User) -> AgendaFeed:
    """A new secret address: calendars subscribed to the old one stop updating."""
    with transaction.atomic(durable=True):
        feed = agenda_feed_for(user)
        feed.token = new_secret()
        feed.save(update_fields=["token"])
    return feed
