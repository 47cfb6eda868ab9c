"""/api/v1/triage/emails: the e-mail triage lists and the agent's decisions (TR1).

Members read their teams' triage rows; agents and above decide (ignore, attach, create a
lead, undo). A row of another team answers 404, a reader's decision 403. Every decision
calls the same service as the triage screen (`parley.triage.services`).
"""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field, model_validator

from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.contacts.access import get_record_for_user
from parley.mail.models import MessageSource
from parley.triage import services
from parley.triage.access import get_triage_for_user
from parley.triage.exceptions import TriageError
from parley.triage.models import EmailTriage, Rule, State

router = Router(tags=["triage"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class TriageQuery(Schema):
    state: State = Field(default=State.READY, description="ready (default), linked or ignored.")


class TriageOut(Schema):
    id: int
    team_id: int
    state: State
    rule: Rule
    reason: str
    message_id: int
    conversation_id: int = Field(validation_alias="message.conversation_id")
    subject: str = Field(validation_alias="message.subject")
    from_name: str = Field(validation_alias="message.from_name")
    from_address: str = Field(validation_alias="message.from_address")
    date: datetime | None = Field(validation_alias="message.date")
    snippet: str = Field(validation_alias="message.snippet")
    has_attachments: bool = Field(validation_alias="message.has_attachments")
    source: MessageSource = Field(validation_alias="message.source")
    via_assistant: bool
    contact_id: int | None
    organization_id: int | None
    lead_id: int | None
    candidate_ids: list[int] = Field(description="Contacts owning the address, to choose from.")
    lead_candidate_ids: list[int] = Field(description="Open leads with the address.")
    suggestion_id: int | None = Field(description="An organization owning the sender's domain.")
    triaged_by_id: int | None
    triaged_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_candidate_ids(obj: EmailTriage) -> list[int]:
        return [contact.pk for contact in obj.candidates.all()]

    @staticmethod
    def resolve_lead_candidate_ids(obj: EmailTriage) -> list[int]:
        return [lead.pk for lead in obj.lead_candidates.all()]


class IgnoreIn(Schema):
    reason: str = Field(default="", max_length=200)


class AttachIn(Schema):
    contact_id: int | None = None
    organization_id: int | None = None
    lead_id: int | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> "AttachIn":
        given = [self.contact_id, self.organization_id, self.lead_id]
        if sum(value is not None for value in given) != 1:
            raise ValueError("Give exactly one of contact_id, organization_id and lead_id.")
        return self


class CreateLeadIn(Schema):
    name: str = Field(default="", max_length=200, description="Default: the subject.")


def _row(request: HttpRequest, triage_id: int) -> EmailTriage:
    with answers(TriageError):
        return get_triage_for_user(_user(request), triage_id, write=True)


@router.get("/triage/emails", response=list[TriageOut], summary="List e-mail triage rows")
@paginate(LimitOffsetPagination)
def list_triage(request: HttpRequest, query: Query[TriageQuery]) -> QuerySet[EmailTriage]:
    """Newest first, in one state (Ready by default)."""
    rows = EmailTriage.objects.visible_to(_user(request)).filter(state=query.state)
    return rows.select_related("message").prefetch_related("candidates", "lead_candidates")


@router.get("/triage/emails/{triage_id}", response={200: TriageOut, **ERRORS}, summary="A row")
def get_triage(request: HttpRequest, triage_id: int) -> EmailTriage:
    return get_triage_for_user(_user(request), triage_id)


@router.post(
    "/triage/emails/{triage_id}/ignore",
    response={200: TriageOut, **ERRORS},
    summary="Ignore an e-mail",
)
def ignore(request: HttpRequest, triage_id: int, payload: IgnoreIn) -> EmailTriage:
    """It moves to the Ignored list with the optional reason; `undo` brings it back."""
    row = _row(request, triage_id)
    return services.ignore_email(row=row, actor=_user(request), reason=payload.reason)


@router.post(
    "/triage/emails/{triage_id}/attach",
    response={200: TriageOut, **ERRORS},
    summary="Attach an e-mail to a contact, organization or lead",
)
def attach(request: HttpRequest, triage_id: int, payload: AttachIn) -> EmailTriage:
    """The record must be of the e-mail's team (else 422); an unknown record is 404."""
    row = _row(request, triage_id)
    user = _user(request)
    kind, record_id = next(
        (kind, value)
        for kind, value in [
            ("contact", payload.contact_id),
            ("organization", payload.organization_id),
            ("lead", payload.lead_id),
        ]
        if value is not None
    )
    record = get_record_for_user(user, kind, record_id)
    with answers(TriageError):
        return services.link_email(row=row, record=record, actor=user)


@router.post(
    "/triage/emails/{triage_id}/create-lead",
    response={200: TriageOut, **ERRORS},
    summary="Create a lead from an e-mail",
)
def create_lead(request: HttpRequest, triage_id: int, payload: CreateLeadIn) -> EmailTriage:
    """A new lead prefilled from the e-mail, with you as salesperson; the row's `lead_id`
    names it."""
    row = _row(request, triage_id)
    with answers(TriageError):
        services.create_lead_from_email(row=row, actor=_user(request), name=payload.name)
    return row


@router.post(
    "/triage/emails/{triage_id}/undo",
    response={200: TriageOut, **ERRORS},
    summary="Undo an ignore or an attachment",
)
def undo(request: HttpRequest, triage_id: int) -> EmailTriage:
    """An ignored e-mail goes back to Ready (Linked when it is filed on a record); a linked
    one forgets its record and is Ready again. A Ready e-mail is 422."""
    row = _row(request, triage_id)
    user = _user(request)
    if row.state == State.IGNORED:
        return services.restore_email(row=row, actor=user)
    if row.state == State.LINKED:
        return services.unlink_email(row=row, actor=user)
    raise HttpError(422, "The e-mail is waiting for a decision: there is nothing to undo.")
