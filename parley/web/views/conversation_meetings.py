"""The "Meetings" panel of a conversation page (issue 7): the phone meetings planned from the
conversation, with its customer, or with any contact of the customer's organization (as the
organization's timeline counts them), upcoming first. One query, whatever the number of
meetings; every member of the conversation's team sees it, readers included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from parley.calls.models import Meeting

if TYPE_CHECKING:
    from parley.contacts.models import Contact
    from parley.conversations.models import Conversation

# The panel is a pointer to the meetings, not an agenda: the nearest ones are enough.
MEETINGS_LIMIT = 10


def linked_meetings(conversation: Conversation, customer: Contact | None) -> list[Meeting]:
    """The conversation's meetings: those not over yet from the soonest, then the past ones
    from the latest; each with `is_upcoming`.

    The conversation was fetched through the access helper, so its team is one the user may
    read; the meetings are those of that team, like the queues and notes of the page.
    """
    linked = Q(conversation_id=conversation.pk)
    if customer is not None:
        linked |= Q(contact_id=customer.pk)
    organization_id = conversation.organization_id or (
        customer.organization_id if customer is not None else None
    )
    if organization_id is not None:
        linked |= Q(contact__organization_id=organization_id)
    upcoming = Q(window_end__gte=timezone.now())
    meetings = (
        Meeting.objects.filter(linked, team_id=conversation.team_id)
        .annotate(
            is_upcoming=Case(When(upcoming, then=Value(True)), default=Value(False)),
            upcoming_start=Case(When(upcoming, then=F("window_start"))),
        )
        .select_related("agent")
        .order_by(
            F("is_upcoming").desc(),
            F("upcoming_start").asc(nulls_last=True),
            F("window_start").desc(),
            "-pk",
        )
    )
    return list(meetings[:MEETINGS_LIMIT])


def meetings_panel(conversation: Conversation, customer: Contact | None) -> dict[str, object]:
    """The panel's context: the meetings, and the contact a new meeting is planned with."""
    return {"meetings": linked_meetings(conversation, customer), "meeting_contact": customer}
