"""Record calls from the PBX or by hand, match them to contacts, and triage them.

Each public function is a transaction boundary (`transaction.atomic(durable=True)`) when
called from a request or a task; contact records are created through
`parley.contacts.services`, whose non-durable transactions join ours. Side effects outside
the database (the click-to-call webhook) are enqueued on commit. User mistakes raise
`CallsError`; numbers that cannot be normalized are kept as reported and match nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Team, User
from parley.calls.exceptions import CallsError
from parley.calls.models import (
    PHASE_ORDER,
    AgentExtension,
    Call,
    Direction,
    Origin,
    Phase,
    Result,
    Triage,
)
from parley.contacts import services as contact_services
from parley.contacts.exceptions import ContactsError
from parley.contacts.matching import match_phone
from parley.contacts.models import Lead
from parley.contacts.normalize import normalize_phone
from parley.contacts.services.leads import create_lead

if TYPE_CHECKING:
    from parley.contacts.models import Contact
    from parley.conversations.models import Conversation

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallReport:
    """A call as a PBX (or a person) reports it, before matching."""

    direction: Direction
    from_number: str
    to_number: str
    started_at: datetime | None = None
    duration: int = 0
    result: Result | None = None
    phase: Phase = Phase.ENDED
    recording_url: str = ""
    agent: str = ""
    external_id: str = ""
    note: str = ""


def e164_or_blank(raw: str) -> str:
    """The number in E.164, or "" for an anonymous caller, an extension or garbage."""
    try:
        return normalize_phone(raw) if raw.strip() else ""
    except ContactsError:
        return ""


def _agent_for(team: Team, ref: str) -> User | None:
    """The team member a PBX names by e-mail address or extension."""
    ref = ref.strip()
    if not ref:
        return None
    if "@" in ref:
        return User.objects.filter(email__iexact=ref, memberships__team=team).first()
    extension = AgentExtension.objects.filter(team=team, extension=ref).select_related("user")
    found = extension.first()
    return found.user if found else None


def _result_for(report: CallReport) -> str:
    """The result once the call has ended; a live call has none yet."""
    if report.phase != Phase.ENDED:
        return ""
    if report.result is not None:
        return report.result
    return Result.ANSWERED if report.duration > 0 else Result.MISSED


def _match(call: Call) -> None:
    """Link the call when exactly one contact owns the number; else list the candidates.

    With no contact, one open lead with the number links the call to that lead; several
    open leads become the call's lead candidates, for the agent to choose from.
    """
    if not call.party_e164:
        return
    contacts = match_phone([call.team_id], call.party_e164)
    if len(contacts) > 1:
        call.candidates.set(contacts)
        return
    leads = list(Lead.objects.filter(team_id=call.team_id, phone_e164=call.party_e164).open()[:20])
    if contacts:
        call.contact = contacts[0]
    elif len(leads) == 1:
        call.lead = leads[0]
    else:
        call.lead_candidates.set(leads)
        return
    call.triage = Triage.LINKED
    call.triaged_at = timezone.now()
    call.save(update_fields=["contact", "lead", "triage", "triaged_at"])


def record_call(*, team: Team, report: CallReport, origin: Origin) -> tuple[Call, bool]:
    """Store a reported call and match it; `(call, created)`.

    The same `external_id` again returns the stored call: unchanged when the report brings
    nothing newer, or advanced (ringing → in progress → ended, with duration and result)
    when the PBX reports the next phase of the same call. Safe against two deliveries racing.
    """
    with transaction.atomic(durable=True):
        if report.external_id:
            existing = Call.objects.filter(team=team, external_id=report.external_id).first()
            if existing is not None:
                return _advance(existing, report), False
        call = Call(
            team=team,
            direction=report.direction,
            from_raw=report.from_number.strip()[:64],
            from_e164=e164_or_blank(report.from_number),
            to_raw=report.to_number.strip()[:64],
            to_e164=e164_or_blank(report.to_number),
            started_at=report.started_at or timezone.now(),
            duration=report.duration,
            result=_result_for(report),
            phase=report.phase,
            recording_url=report.recording_url,
            agent=_agent_for(team, report.agent),
            agent_ref=report.agent.strip()[:254],
            external_id=report.external_id,
            origin=origin,
            note=report.note,
        )
        try:
            with transaction.atomic():
                call.save()
        except IntegrityError:
            # Another delivery of the same call won the race; answer with its row.
            winner = Call.objects.get(team=team, external_id=report.external_id)
            return winner, False
        _match(call)
    logger.info("Recorded call %s of team %s (%s)", call.pk, team.pk, origin)
    return call, True


def _advance(call: Call, report: CallReport) -> Call:
    """Apply a later phase of the same call; an equal or older report changes nothing."""
    if PHASE_ORDER[Phase(report.phase)] <= PHASE_ORDER[Phase(call.phase)]:
        return call
    updated = Call.objects.filter(pk=call.pk, phase=call.phase).update(
        phase=report.phase,
        duration=report.duration,
        result=_result_for(report),
        recording_url=report.recording_url or call.recording_url,
        updated_at=timezone.now(),
    )
    if updated:
        call.refresh_from_db()
    return call


def log_call(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    team: Team,
    actor: User,
    direction: Direction,
    number: str,
    started_at: datetime,
    duration: int,
    result: Result,
    note: str = "",
) -> Call:
    """A call logged by hand by `actor` (its agent); matched like any other."""
    if not e164_or_blank(number):
        raise CallsError(_("“%(number)s” is not a valid phone number.") % {"number": number})
    extension = AgentExtension.objects.filter(team=team, user=actor).first()
    own = extension.extension if extension else actor.email
    inbound = direction == Direction.INBOUND
    report = CallReport(
        direction=direction,
        from_number=number if inbound else own,
        to_number=own if inbound else number,
        started_at=started_at,
        duration=duration,
        result=result,
        agent=actor.email,
        note=note,
    )
    call, _created = record_call(team=team, report=report, origin=Origin.MANUAL)
    return call


def _set_triage(call: Call, actor: User, triage: Triage, **fields: object) -> Call:
    if triage == Triage.LINKED:
        # The agent has chosen: the candidates were the question, not the answer.
        call.candidates.clear()
        call.lead_candidates.clear()
    for name, value in fields.items():
        setattr(call, name, value)
    call.triage = triage
    call.triaged_by = actor
    call.triaged_at = call.updated_at = timezone.now()
    call.save(update_fields=[*fields, "triage", "triaged_by", "triaged_at", "updated_at"])
    return call


def link_call(*, call: Call, contact: Contact, actor: User) -> Call:
    """Attach the call to `contact` (found, chosen among candidates, or searched)."""
    if contact.team_id != call.team_id:
        raise CallsError(_("The contact belongs to another team."))
    with transaction.atomic(durable=True):
        return _set_triage(call, actor, Triage.LINKED, contact=contact, ignore_reason="")


def create_contact_from_call(
    *, call: Call, actor: User, first_name: str = "", last_name: str = ""
) -> Contact:
    """A new contact with the caller's number in its phone field, linked to the call."""
    name: contact_services.ContactFields = {
        "first_name": first_name.strip() or ("" if last_name.strip() else call.party_raw),
        "last_name": last_name.strip(),
    }
    if not (name.get("first_name") or name.get("last_name")):
        name["first_name"] = _("Caller")
    phones = [contact_services.NewPhone(call.party_e164)] if call.party_e164 else []
    with transaction.atomic(durable=True):
        try:
            contact = contact_services.create_contact(
                team=call.team, fields=name, phones=phones, managers=[actor]
            )
        except ContactsError as error:
            raise CallsError(str(error)) from None
        _set_triage(call, actor, Triage.LINKED, contact=contact, ignore_reason="")
    return contact


def create_lead_from_call(*, call: Call, actor: User, name: str = "") -> Lead:
    """A new lead with the caller's number in its phone field, linked to the call; the
    agent becomes its salesperson (the seed's "Utwórz")."""
    title = name.strip() or _("Call from %(number)s") % {"number": call.party_raw or "?"}
    with transaction.atomic(durable=True):
        try:
            lead = create_lead(
                team=call.team,
                name=title,
                phone=call.party_e164,
                salesperson=actor,
                actor=actor,
            )
        except ContactsError as error:
            raise CallsError(str(error)) from None
        _set_triage(call, actor, Triage.LINKED, lead=lead, ignore_reason="")
    return lead


def link_call_to_lead(*, call: Call, lead: Lead, actor: User) -> Call:
    """Attach the call to an existing lead of its team (the seed's "Dołącz")."""
    if lead.team_id != call.team_id:
        raise CallsError(_("The lead belongs to another team."))
    with transaction.atomic(durable=True):
        return _set_triage(call, actor, Triage.LINKED, lead=lead, ignore_reason="")


def ignore_call(*, call: Call, actor: User, reason: str = "") -> Call:
    """Mark the call as needing no work; it moves to the Ignored list (undo with restore)."""
    with transaction.atomic(durable=True):
        return _set_triage(call, actor, Triage.IGNORED, ignore_reason=reason.strip()[:200])


def restore_call(*, call: Call, actor: User) -> Call:
    """Undo an ignore: back to Linked when the call has a contact or lead, else to Ready."""
    triage = Triage.LINKED if call.contact_id or call.lead_id else Triage.READY
    with transaction.atomic(durable=True):
        return _set_triage(call, actor, triage, ignore_reason="")


def unlink_call(*, call: Call, actor: User) -> Call:
    """Detach the contact and lead; the call goes back to Ready."""
    with transaction.atomic(durable=True):
        return _set_triage(call, actor, Triage.READY, contact=None, lead=None)


def set_call_conversation(
    *, call: Call, conversation: Conversation | None, actor: User | None = None
) -> Call:
    """Link the call to a conversation of its team (None unlinks).

    Each conversation it leaves or joins gets a system comment (call unlinked / call linked)
    naming the call, so the conversation's history shows who tied which call to it.
    """
    from parley.conversations.models import EventKind
    from parley.conversations.services.workflow import record_event

    if conversation is not None and conversation.team_id != call.team_id:
        raise CallsError(_("The conversation belongs to another team."))
    new_id = conversation.pk if conversation is not None else None
    if call.conversation_id == new_id:
        return call
    detail = {"call": call.pk, "number": call.party_raw, "direction": call.direction}
    with transaction.atomic(durable=True):
        previous = call.conversation
        call.conversation = conversation
        call.updated_at = timezone.now()
        call.save(update_fields=["conversation", "updated_at"])
        if previous is not None:
            record_event(previous, EventKind.CALL_UNLINKED, actor, **detail)
        if conversation is not None:
            record_event(conversation, EventKind.CALL_LINKED, actor, **detail)
    return call
