"""/api/v1/leads (CRUD, convert), the timeline of contacts, organizations and leads, the
teams' configurable lists and custom field definitions. Permissions follow the web pages: members read, agents and above
write, admins and managers delete; another team's record answers 404.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from parley.accounts.access import can_manage_team, check_team_access
from parley.accounts.models import Team, User
from parley.api.auth import request_user as _user
from parley.api.contacts import ERRORS, _organization, _write_team
from parley.api.errors import answers
from parley.api.schemas_leads import (
    ActivityOut,
    ChoiceOut,
    ConvertIn,
    ConvertOut,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    EventIn,
    LeadIn,
    LeadOut,
    LeadPatch,
    LeadQuery,
    TimelineEntryOut,
    TimelineOut,
    TimelineQuery,
)
from parley.contacts.access import (
    get_configurable_team_for_user,
    get_lead_for_user,
    get_record_for_user,
)
from parley.contacts.choices import options_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ChoiceKind, Contact, CustomField, Lead
from parley.contacts.queries import LeadFilters, filter_leads
from parley.contacts.services import UNSET
from parley.contacts.services import custom_fields as custom_field_services
from parley.contacts.services import leads as services
from parley.contacts.services.timeline import log_event
from parley.contacts.timeline import timeline

router = Router(tags=["leads"])


def _salesperson(team_id: int, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, memberships__team_id=team_id).first()
    if user is None:
        raise HttpError(422, "The salesperson must be a member of the lead's team.")
    return user


@router.get("/leads", response=list[LeadOut], summary="List leads")
@paginate(LimitOffsetPagination)
def list_leads(request: HttpRequest, params: Query[LeadQuery]) -> QuerySet[Lead]:
    user = _user(request)
    filters = LeadFilters(**params.model_dump())
    return filter_leads(Lead.objects.visible_to(user), filters, user)


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary="Create a lead")
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[Lead]:
    user = _user(request)
    team = _write_team(user, payload.team_id)
    data = payload.model_dump(exclude={"team_id", "salesperson_id"})
    with answers(ContactsError):
        lead = services.create_lead(
            team=team, salesperson=_salesperson(team.pk, payload.salesperson_id), actor=user, **data
        )
    return Status(201, lead)


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="A lead")
def get_lead(request: HttpRequest, lead_id: int) -> Lead:
    return get_lead_for_user(_user(request), lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Change a lead")
def patch_lead(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Lead:
    user = _user(request)
    with answers(ContactsError):
        lead = get_lead_for_user(user, lead_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    salesperson = (
        _salesperson(lead.team_id, payload.salesperson_id) if "salesperson_id" in changes else UNSET
    )
    fields = {k: v for k, v in changes.items() if k != "salesperson_id" and v is not None}
    with answers(ContactsError):
        services.update_lead(
            lead=lead,
            fields=fields,  # type: ignore[arg-type]  # the schema's plain fields are LeadFields
            salesperson=salesperson,
            actor=user,
        )
    return lead


@router.delete("/leads/{lead_id}", response={204: None, **ERRORS}, summary="Delete a lead")
def delete_lead(request: HttpRequest, lead_id: int) -> Status[None]:
    user = _user(request)
    with answers(ContactsError):
        lead = get_lead_for_user(user, lead_id, write=True)
    if not can_manage_team(user, lead.team_id):
        raise HttpError(403, "Only admins and managers delete leads.")
    services.delete_lead(lead=lead)
    return Status(204, None)


@router.post(
    "/leads/{lead_id}/convert",
    response={200: ConvertOut, **ERRORS},
    summary="Convert a lead to a contact (and organization)",
)
def convert_lead(request: HttpRequest, lead_id: int, payload: ConvertIn) -> ConvertOut:
    user = _user(request)
    with answers(ContactsError):
        lead = get_lead_for_user(user, lead_id, write=True)
        organization = (
            _organization(lead.team_id, payload.organization_id)
            if payload.organization_id is not None
            else UNSET
        )
        contact = services.convert_lead(lead=lead, organization=organization, actor=user)
    return ConvertOut(contact_id=contact.pk, lead=LeadOut.from_orm(lead))


@router.get(
    "/{record_type}s/{record_id}/timeline",
    response={200: TimelineOut, **ERRORS},
    summary="The timeline of a contact, organization or lead",
)
def get_timeline(
    request: HttpRequest, record_type: str, record_id: int, params: Query[TimelineQuery]
) -> TimelineOut:
    """Newest first, 30 per page."""
    before = params.before
    if before is not None and before.tzinfo is None:
        raise HttpError(422, "`before` needs a time zone.")
    user = _user(request)
    record = get_record_for_user(user, record_type, record_id)
    entries, next_before = timeline(
        record,
        kinds=frozenset(params.kind),
        before=before,
        visible=Contact.objects.visible_to(user),
    )
    return TimelineOut(
        entries=[
            TimelineEntryOut(
                kind=entry.kind,
                at=entry.at,
                text=entry.text,
                activity=ActivityOut.of(entry.activity) if entry.activity else None,
                message_id=entry.message.pk if entry.message else None,
                conversation_id=entry.message.conversation_id if entry.message else None,
                url=entry.url,
            )
            for entry in entries
        ],
        next_before=next_before,
    )


@router.post(
    "/{record_type}s/{record_id}/events",
    response={201: TimelineEntryOut, **ERRORS},
    summary="Log an event (call, e-mail, SMS, fax, meeting, note) by hand",
)
def post_event(
    request: HttpRequest, record_type: str, record_id: int, payload: EventIn
) -> Status[TimelineEntryOut]:
    user = _user(request)
    with answers(ContactsError):
        record = get_record_for_user(user, record_type, record_id, write=True)
        activity = log_event(
            record=record,
            kind=payload.kind,
            text=payload.text,
            occurred_at=payload.occurred_at,
            actor=user,
        )
    return Status(
        201,
        TimelineEntryOut(
            kind=activity.kind,
            at=activity.occurred_at,
            text=activity.text,
            activity=ActivityOut.of(activity),
            message_id=None,
            url="",
        ),
    )


@router.get(
    "/teams/{team_id}/lists/{kind}",
    response={200: list[ChoiceOut], **ERRORS},
    summary="A team's configurable list (stage, position, source, account_type, lead_status)",
)
def get_list(request: HttpRequest, team_id: int, kind: ChoiceKind) -> list[ChoiceOut]:
    check_team_access(_user(request), team_id)
    return [
        ChoiceOut(key=o.key, label=o.label, is_active=o.is_active)
        for o in options_for(team_id, kind, inactive=True)
    ]


def _configurable_team(user: User, team_id: int) -> Team:
    with answers(ContactsError):
        return get_configurable_team_for_user(user, team_id)


@router.get(
    "/teams/{team_id}/custom-fields",
    response={200: list[CustomFieldOut], **ERRORS},
    summary="A team's custom field definitions",
)
def list_custom_fields(request: HttpRequest, team_id: int) -> list[CustomField]:
    check_team_access(_user(request), team_id)
    return list(CustomField.objects.filter(team_id=team_id))


@router.post(
    "/teams/{team_id}/custom-fields",
    response={201: CustomFieldOut, **ERRORS},
    summary="Define a custom field (team admins and managers)",
)
def create_custom_field(
    request: HttpRequest, team_id: int, payload: CustomFieldIn
) -> Status[CustomField]:
    team = _configurable_team(_user(request), team_id)
    with answers(ContactsError):
        field = custom_field_services.create_custom_field(team=team, **payload.model_dump())
    return Status(201, field)


@router.patch(
    "/teams/{team_id}/custom-fields/{field_id}",
    response={200: CustomFieldOut, **ERRORS},
    summary="Change a custom field (team admins and managers)",
)
def patch_custom_field(
    request: HttpRequest, team_id: int, field_id: int, payload: CustomFieldPatch
) -> CustomField:
    team = _configurable_team(_user(request), team_id)
    field = CustomField.objects.filter(team=team, pk=field_id).first()
    if field is None:
        raise HttpError(404, "Not found.")
    with answers(ContactsError):
        return custom_field_services.update_custom_field(
            field=field, **payload.model_dump(exclude_unset=True)
        )


@router.delete(
    "/teams/{team_id}/custom-fields/{field_id}",
    response={204: None, **ERRORS},
    summary="Delete a custom field and its values (team admins and managers)",
)
def delete_custom_field(request: HttpRequest, team_id: int, field_id: int) -> Status[None]:
    """Deleting drops every stored value; PATCH `is_active: false` hides it instead."""
    team = _configurable_team(_user(request), team_id)
    field = CustomField.objects.filter(team=team, pk=field_id).first()
    if field is None:
        raise HttpError(404, "Not found.")
    custom_field_services.delete_custom_field(field=field)
    return Status(204, None)
