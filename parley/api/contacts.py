"""/api/v1/contacts and /api/v1/organizations: list with filters, create, read, patch, delete.

Permissions follow the web pages: members read, agents and above write, admins and managers
delete; a record of another team answers 404.
"""

from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from parley.accounts.access import get_team_for_user, team_ids_for_user
from parley.accounts.models import Team, User
from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.api.schemas_contacts import (
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactQuery,
    EmailIn,
    EmailOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    OrganizationQuery,
    PhoneIn,
    PhoneOut,
)
from parley.contacts import gdpr, services
from parley.contacts.access import (
    can_delete_account,
    get_contact_for_user,
    get_email_of_contact,
    get_organization_for_user,
    get_phone_of_contact,
    with_creator,
)
from parley.contacts.custom_fields import definitions_for, filter_custom
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, FieldTarget, Organization, PhoneKind
from parley.contacts.queries import (
    ContactFilters,
    OrganizationFilters,
    contact_list_queryset,
    filter_contacts,
    filter_organizations,
    organization_list_queryset,
)
from parley.contacts.services.gdpr import erase_contact

router = Router(tags=["contacts"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _write_team(user: User, team_id: int | None) -> Team:
    if team_id is None:
        writable = team_ids_for_user(user, write=True)
        if len(writable) != 1:
            raise HttpError(422, "team_id is required: you can write in several teams or none.")
        team_id = writable.pop()
    with answers(ContactsError):
        return get_team_for_user(user, team_id, write=True)


def _managers(team_id: int, ids: list[int]) -> list[User]:
    users = list(User.objects.filter(pk__in=ids, memberships__team_id=team_id))
    if len(users) != len(set(ids)):
        raise HttpError(422, "Every manager must be a member of the record's team.")
    return users


def _organization(team_id: int, organization_id: int | None) -> Organization | None:
    if organization_id is None:
        return None
    organization = Organization.objects.for_teams([team_id]).filter(pk=organization_id).first()
    if organization is None:
        raise HttpError(422, "No such organization in the contact's team.")
    return organization


def _contact_out(contact: Contact) -> Contact:
    """The contact with what ContactOut reads, fresh from the database."""
    contact.refresh_from_db()
    prefetch_related_objects([contact], "emails", "phones", "tags", "managers")
    return contact


def _organization_out(organization: Organization) -> Organization:
    organization.refresh_from_db()
    prefetch_related_objects([organization], "domains", "emails", "phones", "tags", "managers")
    return organization


# Contacts


@router.get("/contacts", response=list[ContactOut], summary="List contacts")
@paginate(LimitOffsetPagination)
def list_contacts(request: HttpRequest, params: Query[ContactQuery]) -> QuerySet[Contact]:
    """Every filter of the contact list; `cf_<key>=value` filters on a custom field."""
    user = _user(request)
    filters = ContactFilters(**params.model_dump())
    contacts = filter_contacts(Contact.objects.visible_to(user), filters, user)
    definitions = definitions_for(team_ids_for_user(user), FieldTarget.CONTACT)
    contacts = filter_custom(contacts, definitions, request.GET)
    return contact_list_queryset(contacts).prefetch_related("managers")


@router.post("/contacts", response={201: ContactOut, **ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    user = _user(request)
    team = _write_team(user, payload.team_id)
    data = payload.model_dump(
        exclude={
            "team_id",
            "organization_id",
            "tags",
            "manager_ids",
            "emails",
            "phones",
            "custom",
        },
        exclude_none=True,
    )
    with answers(ContactsError):
        contact = services.create_contact(
            team=team,
            fields=data,  # type: ignore[arg-type]  # the schema's plain fields are ContactFields
            emails=payload.emails,
            phones=[services.NewPhone(p.number, p.kind) for p in payload.phones],
            organization=_organization(team.pk, payload.organization_id),
            managers=with_creator(user, team.pk, _managers(team.pk, payload.manager_ids)),
            tags=payload.tags,
            custom=payload.custom,
            actor=user,
        )
    return Status(201, _contact_out(contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="A contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = get_contact_for_user(_user(request), contact_id)
    return _contact_out(contact)


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Change a contact"
)
def patch_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    with answers(ContactsError):
        contact = get_contact_for_user(_user(request), contact_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    relations = {"organization_id", "tags", "manager_ids", "custom"}
    fields = {k: v for k, v in changes.items() if k not in relations and v is not None}
    with answers(ContactsError):
        services.update_contact_profile(
            contact=contact,
            fields=fields,  # type: ignore[arg-type]  # the schema's plain fields are ContactFields
            organization=(
                _organization(contact.team_id, payload.organization_id)
                if "organization_id" in changes
                else services.UNSET
            ),
            tags=payload.tags,
            managers=(
                _managers(contact.team_id, payload.manager_ids)
                if payload.manager_ids is not None
                else None
            ),
            custom=payload.custom,
            actor=_user(request),
        )
    return _contact_out(contact)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Delete a contact")
def delete_contact(request: HttpRequest, contact_id: int) -> Status[None]:
    user = _user(request)
    with answers(ContactsError):
        contact = get_contact_for_user(user, contact_id, write=True)
    if not can_delete_account(user, contact):
        raise HttpError(403, "Only admins and managers delete contacts.")
    services.delete_contact(contact=contact)
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/emails",
    response={201: EmailOut, **ERRORS},
    summary="Add an e-mail address to a contact",
)
def add_email(request: HttpRequest, contact_id: int, payload: EmailIn) -> Status[EmailOut]:
    with answers(ContactsError):
        contact = get_contact_for_user(_user(request), contact_id, write=True)
        email = services.add_contact_email(
            contact=contact, address=payload.address, primary=payload.primary
        )
    return Status(201, EmailOut(id=email.pk, address=email.address, is_primary=email.is_primary))


@router.delete(
    "/contacts/{contact_id}/emails/{email_id}",
    response={204: None, **ERRORS},
    summary="Remove an e-mail address",
)
def remove_email(request: HttpRequest, contact_id: int, email_id: int) -> Status[None]:
    with answers(ContactsError):
        contact = get_contact_for_user(_user(request), contact_id, write=True)
    services.remove_contact_email(email=get_email_of_contact(contact, email_id))
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/phones",
    response={201: PhoneOut, **ERRORS},
    summary="Add a phone number to a contact",
)
def add_phone(request: HttpRequest, contact_id: int, payload: PhoneIn) -> Status[PhoneOut]:
    with answers(ContactsError):
        contact = get_contact_for_user(_user(request), contact_id, write=True)
        phone = services.add_contact_phone(contact=contact, raw=payload.number, kind=payload.kind)
    return Status(
        201, PhoneOut(id=phone.pk, raw=phone.raw, e164=phone.e164, kind=PhoneKind(phone.kind))
    )


@router.delete(
    "/contacts/{contact_id}/phones/{phone_id}",
    response={204: None, **ERRORS},
    summary="Remove a phone number",
)
def remove_phone(request: HttpRequest, contact_id: int, phone_id: int) -> Status[None]:
    with answers(ContactsError):
        contact = get_contact_for_user(_user(request), contact_id, write=True)
    services.remove_contact_phone(phone=get_phone_of_contact(contact, phone_id))
    return Status(204, None)


# Organizations


@router.get("/organizations", response=list[OrganizationOut], summary="List organizations")
@paginate(LimitOffsetPagination)
def list_organizations(
    request: HttpRequest, params: Query[OrganizationQuery]
) -> QuerySet[Organization]:
    """Every filter of the organization list; `cf_<key>=value` filters on a custom field."""
    user = _user(request)
    filters = OrganizationFilters(**params.model_dump())
    organizations = filter_organizations(Organization.objects.visible_to(user), filters, user)
    definitions = definitions_for(team_ids_for_user(user), FieldTarget.ORGANIZATION)
    organizations = filter_custom(organizations, definitions, request.GET)
    return organization_list_queryset(organizations).prefetch_related("managers")


@router.post(
    "/organizations", response={201: OrganizationOut, **ERRORS}, summary="Create an organization"
)
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status[Organization]:
    user = _user(request)
    team = _write_team(user, payload.team_id)
    data = payload.model_dump(
        exclude={"team_id", "domains", "emails", "phones", "tags", "manager_ids", "custom"},
        exclude_none=True,
    )
    with answers(ContactsError):
        organization = services.create_organization(
            team=team,
            fields=data,  # type: ignore[arg-type]  # the schema's plain fields are OrganizationFields
            domains=payload.domains,
            managers=with_creator(user, team.pk, _managers(team.pk, payload.manager_ids)),
            tags=payload.tags,
            custom=payload.custom,
            actor=user,
            emails=payload.emails,
            phones=payload.phones,
        )
    return Status(201, _organization_out(organization))


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **ERRORS},
    summary="An organization",
)
def get_organization(request: HttpRequest, organization_id: int) -> Organization:
    organization = get_organization_for_user(_user(request), organization_id)
    return _organization_out(organization)


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **ERRORS},
    summary="Change an organization",
)
def patch_organization(
    request: HttpRequest, organization_id: int, payload: OrganizationPatch
) -> Organization:
    with answers(ContactsError):
        organization = get_organization_for_user(_user(request), organization_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    relations = {"domains", "emails", "phones", "tags", "manager_ids", "custom"}
    fields = {k: v for k, v in changes.items() if k not in relations and v is not None}
    with answers(ContactsError):
        services.update_organization_profile(
            organization=organization,
            fields=fields,  # type: ignore[arg-type]  # the schema's plain fields are OrganizationFields
            domains=payload.domains,
            tags=payload.tags,
            managers=(
                _managers(organization.team_id, payload.manager_ids)
                if payload.manager_ids is not None
                else None
            ),
            custom=payload.custom,
            actor=_user(request),
            emails=payload.emails,
            phones=payload.phones,
        )
    return _organization_out(organization)


@router.delete(
    "/organizations/{organization_id}",
    response={204: None, **ERRORS},
    summary="Delete an organization (its contacts stay)",
)
def delete_organization(request: HttpRequest, organization_id: int) -> Status[None]:
    user = _user(request)
    with answers(ContactsError):
        organization = get_organization_for_user(user, organization_id, write=True)
    if not can_delete_account(user, organization):
        raise HttpError(403, "Only admins and managers delete organizations.")
    services.delete_organization(organization=organization)
    return Status(204, None)


@router.get(
    "/contacts/{contact_id}/gdpr-export",
    response={200: None, **ERRORS},
    summary="Everything about a contact: JSON and raw e-mails in a zip (admins, managers)",
)
def gdpr_export(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = _user(request)
    contact = get_contact_for_user(user, contact_id)
    if not can_delete_account(user, contact):
        raise HttpError(403, "Only admins and managers export personal data.")
    response = HttpResponse(gdpr.export_zip(contact), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-gdpr.zip"'
    return response


@router.post(
    "/contacts/{contact_id}/erase",
    response={200: ContactOut, **ERRORS},
    summary="Erase a contact's personal data, keeping an audit entry (admins, managers)",
)
def erase(request: HttpRequest, contact_id: int) -> Contact:
    user = _user(request)
    contact = get_contact_for_user(user, contact_id)
    if not can_delete_account(user, contact):
        raise HttpError(403, "Only admins and managers erase personal data.")
    erase_contact(contact=contact, actor=user)
    return _contact_out(contact)
