"""Writes to the timeline of contacts, organizations and leads: the audit entries that
every other contacts service records (creation, field changes) and events a person logs by
hand (a call, an SMS, a fax, a meeting, a note).

The audit helpers run inside the caller's transaction. `log_event` is its own
`transaction.atomic()` and has no side effect outside the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import (
    LOGGABLE_KINDS,
    Activity,
    ActivityKind,
    Contact,
    Lead,
    Organization,
)
from parley.contacts.timeline import CREATED, Change, Changes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from parley.accounts.models import User

Record = Contact | Organization | Lead

MAX_TEXT = 20_000


def _owner(record: Record) -> dict[str, Record]:
    if isinstance(record, Contact):
        return {"contact": record}
    if isinstance(record, Organization):
        return {"organization": record}
    return {"lead": record}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record_created(record: Record, *, actor: User | None) -> Activity:
    """Note on the timeline that `record` was created (called inside the creating service)."""
    return Activity.objects.create(
        team_id=record.team_id,
        kind=ActivityKind.FIELD_CHANGE,
        text=CREATED,
        actor=actor,
        **_owner(record),
    )


def record_changes(
    record: Record, *, before: Mapping[str, Any], actor: User | None
) -> Activity | None:
    """Store which of the `before` fields of `record` changed, with old and new values."""
    after = {name: getattr(record, name) for name in before}
    return record_diff(record, before=before, after=after, actor=actor)


def record_diff(
    record: Record, *, before: Mapping[str, Any], after: Mapping[str, Any], actor: User | None
) -> Activity | None:
    """Store the values that differ between `before` and `after` (one timeline entry)."""
    changes = [
        Change(field=name.removesuffix("_id"), old=_text(old), new=_text(after[name]))
        for name, old in before.items()
        if _text(old) != _text(after[name])
    ]
    if not changes:
        return None
    return Activity.objects.create(
        team_id=record.team_id,
        kind=ActivityKind.FIELD_CHANGE,
        actor=actor,
        changes=Changes.dump_python(changes, mode="json"),
        **_owner(record),
    )


def log_event(
    *,
    record: Record,
    kind: ActivityKind | str,
    text: str,
    actor: User | None,
    occurred_at: datetime | None = None,
) -> Activity:
    """Log an event by hand ("log an event": a call, e-mail, SMS, fax, meeting or note)."""
    kind = ActivityKind(kind)
    if kind not in LOGGABLE_KINDS:
        raise ContactsError(_("This kind of event cannot be logged by hand."))
    text = text.strip()
    if not text:
        raise ContactsError(_("Describe the event."))
    if len(text) > MAX_TEXT:
        raise ContactsError(_("The text is too long."))
    when = occurred_at or timezone.now()
    if timezone.is_naive(when):
        raise ContactsError(_("The time needs a time zone."))
    with transaction.atomic():
        return Activity.objects.create(
            team_id=record.team_id,
            kind=kind,
            text=text,
            actor=actor,
            occurred_at=when,
            **_owner(record),
        )


def link_activity(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    record: Record,
    kind: ActivityKind | str,
    text: str,
    link_type: str,
    link_id: int,
    occurred_at: datetime,
    actor: User | None = None,
) -> Activity:
    """Put another app's row (a call, a conversation) on a record's timeline."""
    with transaction.atomic():
        return Activity.objects.create(
            team_id=record.team_id,
            kind=ActivityKind(kind),
            text=text[:MAX_TEXT],
            actor=actor,
            occurred_at=occurred_at,
            link_type=link_type[:50],
            link_id=link_id,
            **_owner(record),
        )
