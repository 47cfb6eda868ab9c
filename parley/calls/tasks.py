"""Background work of the calls app: the click-to-call webhook and meeting reminders.

Tasks take primary keys and scalars, reload their rows, and are safe to run twice: a
reminder is delivered once by a compare-and-swap on `reminded_at`; a repeated click-to-call
would ring the agent twice, so failures are logged and not retried automatically.
"""

from __future__ import annotations

import logging

from django.tasks import task

from parley.calls.models import CallSettings, Meeting
from parley.calls.providers.generic.client import post_outbound_call

logger = logging.getLogger(__name__)


@task()
def send_outbound_call(*, team_id: int, from_extension: str, to_number: str) -> int | None:
    """POST {from_extension, to_number} to the team's PBX; the status, or None on failure."""
    settings = CallSettings.objects.filter(team_id=team_id).first()
    if settings is None or not settings.outbound_url:
        logger.info("Click-to-call skipped: team %s has no outbound URL", team_id)
        return None
    try:
        status = post_outbound_call(
            url=settings.outbound_url,
            secret=settings.webhook_secret,
            payload={"from_extension": from_extension, "to_number": to_number},
        )
    except OSError:
        logger.warning("Click-to-call to the PBX of team %s failed", team_id, exc_info=True)
        return None
    logger.info("Click-to-call for team %s answered %s", team_id, status)
    return status


@task()
def remind_meeting(*, meeting_id: int) -> bool:
    """Show the meeting's reminder to its agent, once, if its window has started."""
    from parley.calls.services.meetings import deliver_reminder

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return False
    return deliver_reminder(meeting=meeting)
