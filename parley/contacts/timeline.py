"""Read the timeline of a contact, organization or lead (CR5).

One stream, newest first, of the record's `Activity` rows (notes, logged calls, SMS, fax,
meetings, field changes), the e-mails sent to or from its addresses
(`parley.mail.models.Message`), and the calls, phone meetings and conversations linked to
it (`parley.calls`, `parley.conversations`) — all read only. A
contact's timeline includes the activities of the leads converted into it; an
organization's includes its contacts'. Pages are cut by time (keyset), so page 100 costs
what page 1 does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pydantic import BaseModel, TypeAdapter

from parley.contacts.models import Activity, ActivityKind, Contact, Lead, Organization

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from parley.mail.models import Message

PAGE_SIZE = 30


class Change(BaseModel):
    """One changed field of a record, as stored in `Activity.changes`."""

    field: str
    old: str
    new: str


Changes = TypeAdapter(list[Change])

# A picture has no text to show in a change: its entries store these keys (language
# neutral, like CREATED below) and are translated when shown.
AVATAR_PREVIOUS = "previous"
AVATAR_NEW = "new"


def _avatar_word(value: str) -> str:
    if value == AVATAR_PREVIOUS:
        return gettext("previous picture")
    if value == AVATAR_NEW:
        return gettext("new picture")
    return value


def shown_change(change: Change) -> Change:
    """A stored change as the current user reads it."""
    if change.field != "avatar":
        return change
    return Change(field=change.field, old=_avatar_word(change.old), new=_avatar_word(change.new))


# The text of the "record created" entry: stored as this key and translated when shown, so
# each reader sees it in their own language.
CREATED = "created"


@cache
def _created_texts() -> frozenset[str]:
    """What older rows stored: "Created" in the language active when they were written."""
    texts = {CREATED, "Created"}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(gettext("Created"))
    return frozenset(texts)


def activity_text(activity: Activity) -> str:
    """The text of an activity as shown to the current user."""
    if activity.kind == ActivityKind.FIELD_CHANGE and activity.text in _created_texts():
        return gettext("Created")
    return activity.text


def parse_changes(activity: Activity) -> list[Change]:
    return Changes.validate_python(activity.changes or [])


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a timeline: an activity, or a row of another app (an e-mail, a call, a
    meeting, a conversation) with the URL of its page."""

    kind: str
    at: datetime
    text: str
    activity: Activity | None = None
    message: Message | None = None
    url: str = ""
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return str(ActivityKind(self.kind).label)

    @property
    def changes(self) -> list[Change]:
        if self.activity is None:
            return []
        return [shown_change(change) for change in parse_changes(self.activity)]


Record = Contact | Organization | Lead


def _activity_condition(record: Record, members: QuerySet[Contact]) -> Q:
    if isinstance(record, Contact):
        return Q(contact=record) | Q(lead__converted_to=record)
    if isinstance(record, Organization):
        return Q(organization=record) | Q(contact__in=members)
    return Q(lead=record)


def _addresses(record: Record, members: QuerySet[Contact]) -> list[str]:
    if isinstance(record, Contact):
        return list(record.emails.values_list("address", flat=True))
    if isinstance(record, Organization):
        return list(members.values_list("emails__address", flat=True))
    return [record.email] if record.email else []


def _messages(
    record: Record, before: datetime | None, limit: int, members: QuerySet[Contact]
) -> list[Message]:
    from parley.mail.models import Message

    addresses = [a for a in _addresses(record, members) if a]
    if not addresses:
        return []
    condition = Q()
    for address in addresses:
        # Recipients are stored as JSON lists of {"name", "address"}; match the address text.
        condition |= (
            Q(from_address__iexact=address)
            | Q(to__icontains=f'"{address}"')
            | Q(cc__icontains=f'"{address}"')
        )
    messages = Message.objects.alive().filter(
        condition,
        conversation__team_id=record.team_id,
        conversation__deleted_at__isnull=True,
        date__isnull=False,
    )
    if before is not None:
        messages = messages.filter(date__lt=before)
    return list(messages.order_by("-date", "-pk")[:limit])


def _record_filter(record: Record, members: QuerySet[Contact]) -> Q:
    """Rows of another app linked to the record (its contact or lead field)."""
    if isinstance(record, Contact):
        return Q(contact=record)
    if isinstance(record, Organization):
        return Q(contact__in=members)
    return Q(lead=record)


def _calls(
    record: Record, before: datetime | None, limit: int, members: QuerySet[Contact]
) -> list[Entry]:
    from parley.calls.models import Call

    calls = Call.objects.filter(_record_filter(record, members), team_id=record.team_id)
    if before is not None:
        calls = calls.filter(started_at__lt=before)
    return [
        Entry(
            kind=ActivityKind.CALL,
            at=call.started_at,
            text=f"{call.get_direction_display()}: {call.from_raw} → {call.to_raw}",
            url=reverse("web:call", args=[call.pk]),
            detail=f"{call.get_result_display()} · {call.duration} s" if call.result else "",
        )
        for call in calls.order_by("-started_at", "-pk")[:limit]
    ]


def _meetings(
    record: Record, before: datetime | None, limit: int, members: QuerySet[Contact]
) -> list[Entry]:
    from parley.calls.models import Meeting

    if isinstance(record, Lead):
        return []
    meetings = Meeting.objects.filter(_record_filter(record, members), team_id=record.team_id)
    if before is not None:
        meetings = meetings.filter(window_start__lt=before)
    return [
        Entry(
            kind=ActivityKind.MEETING,
            at=meeting.window_start,
            text=meeting.name,
            url=reverse("web:meeting", args=[meeting.pk]),
        )
        for meeting in meetings.order_by("-window_start", "-pk")[:limit]
    ]


def _conversations(
    record: Record, before: datetime | None, limit: int, members: QuerySet[Contact]
) -> list[Entry]:
    """Conversations linked to the record that hold at least one message (a conversation
    that is only a comment does not show, as in Thulium)."""
    from parley.conversations.models import Conversation
    from parley.mail.models import Message

    if isinstance(record, Lead):
        return []
    condition = (
        Q(organization=record) | Q(contact__in=members)
        if isinstance(record, Organization)
        else Q(contact=record)
    )
    has_message = Exists(Message.objects.filter(conversation=OuterRef("pk")))
    conversations = Conversation.objects.filter(
        condition, has_message, team_id=record.team_id, deleted_at__isnull=True
    )
    if before is not None:
        conversations = conversations.filter(created_at__lt=before)
    return [
        Entry(
            kind=ActivityKind.CONVERSATION,
            at=conversation.created_at,
            text=f"#{conversation.number} {conversation.subject}",
            url=reverse("web:conversation", args=[conversation.pk]),
        )
        for conversation in conversations.order_by("-created_at", "-pk")[:limit]
    ]


def timeline(
    record: Record,
    *,
    kinds: frozenset[str] = frozenset(),
    before: datetime | None = None,
    visible: QuerySet[Contact] | None = None,
) -> tuple[list[Entry], datetime | None]:
    """A page of entries older than `before`, and the `before` of the next page (or None).

    `kinds` keeps only those kinds (empty: all); e-mails are the kind "email". An
    organization's timeline includes its contacts among `visible` (the viewer's
    `Contact.objects.visible_to`), so account roles also hold here.
    """
    members = (
        Contact.objects.filter(organization=record)
        if isinstance(record, Organization)
        else Contact.objects.none()
    )
    if visible is not None:
        members = members.filter(pk__in=visible.values("pk"))
    condition = _activity_condition(record, members)
    activities = Activity.objects.filter(condition).select_related("actor")
    if kinds:
        activities = activities.filter(kind__in=kinds)
    if before is not None:
        activities = activities.filter(occurred_at__lt=before)
    entries = [
        Entry(kind=a.kind, at=a.occurred_at, text=activity_text(a), activity=a)
        for a in activities.order_by("-occurred_at", "-pk")[: PAGE_SIZE + 1]
    ]
    if not kinds or ActivityKind.EMAIL in kinds:
        entries += [
            Entry(
                kind=ActivityKind.EMAIL,
                at=m.date,
                text=m.subject,
                message=m,
                url=reverse("web:conversation", args=[m.conversation_id]),
                detail=m.from_address,
            )
            for m in _messages(record, before, PAGE_SIZE + 1, members)
            if m.date is not None
        ]
    others = (
        (ActivityKind.CALL, _calls),
        (ActivityKind.MEETING, _meetings),
        (ActivityKind.CONVERSATION, _conversations),
    )
    for kind, fetch in others:
        if not kinds or kind in kinds:
            entries += fetch(record, before, PAGE_SIZE + 1, members)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    if len(entries) <= PAGE_SIZE:
        return entries, None
    page = entries[:PAGE_SIZE]
    return page, page[-1].at
