"""/api/v1 extras of contacts, organizations and leads: tags (CRUD per team), contact
pictures, and lock/unlock.

Permissions follow the web pages: members read; agents and above create tags, upload
pictures and lock; renaming or deleting a tag is for team admins and managers; a locked
record is unlocked (and changed) by team admins only; another team's record answers 404.
"""

from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from parley.accounts.access import check_team_access, get_team_for_user
from parley.api.auth import request_user as _user
from parley.api.errors import answers
from parley.api.schemas import ErrorOut
from parley.contacts.access import (
    get_contact_for_user,
    get_lead_for_user,
    get_organization_for_user,
    get_tag_for_user,
)
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Tag
from parley.contacts.services import bulk, tags
from parley.contacts.services.avatars import read_avatar, remove_contact_avatar, set_contact_avatar

router = Router(tags=["contacts"])
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


FORBIDDEN = "You may not change this record."


class TagOut(Schema):
    id: int
    team_id: int
    name: str
    contacts: int = Field(description="How many contacts carry the tag.")
    organizations: int = Field(description="How many organizations carry the tag.")


class TagIn(Schema):
    name: str = Field(min_length=1, max_length=50)


class LockIn(Schema):
    locked: bool


class LockOut(Schema):
    id: int
    is_locked: bool


def _tags() -> QuerySet[Tag]:
    return Tag.objects.annotate(
        contacts_count=Count("contacts", distinct=True),
        organizations_count=Count("organizations", distinct=True),
    )


def _tag_out(tag: Tag) -> TagOut:
    counted = _tags().get(pk=tag.pk)
    return TagOut(
        id=counted.pk,
        team_id=counted.team_id,
        name=counted.name,
        contacts=counted.contacts_count,  # type: ignore[attr-defined]  # annotated above
        organizations=counted.organizations_count,  # type: ignore[attr-defined]  # annotated above
    )


# Tags


@router.get(
    "/teams/{team_id}/tags",
    response={200: list[TagOut], **ERRORS},
    summary="A team's contact and organization tags",
)
def list_tags(request: HttpRequest, team_id: int) -> list[TagOut]:
    check_team_access(_user(request), team_id)
    return [
        TagOut(
            id=tag.pk,
            team_id=tag.team_id,
            name=tag.name,
            contacts=tag.contacts_count,  # type: ignore[attr-defined]  # annotated in _tags
            organizations=tag.organizations_count,  # type: ignore[attr-defined]  # annotated in _tags
        )
        for tag in _tags().filter(team_id=team_id).order_by("name")
    ]


@router.post(
    "/teams/{team_id}/tags", response={201: TagOut, **ERRORS}, summary="Create a tag (agents)"
)
def create_tag(request: HttpRequest, team_id: int, payload: TagIn) -> Status[TagOut]:
    with answers(ContactsError, forbidden=FORBIDDEN):
        team = get_team_for_user(_user(request), team_id, write=True)
        tag = tags.create_tag(team=team, name=payload.name)
    return Status(201, _tag_out(tag))


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, **ERRORS},
    summary="Rename a tag (team admins and managers)",
)
def rename_tag(request: HttpRequest, tag_id: int, payload: TagIn) -> TagOut:
    with answers(ContactsError, forbidden=FORBIDDEN):
        tag = get_tag_for_user(_user(request), tag_id, write=True)
        tags.rename_tag(tag=tag, name=payload.name)
    return _tag_out(tag)


@router.delete(
    "/tags/{tag_id}",
    response={204: None, **ERRORS},
    summary="Delete a tag from every record (team admins and managers)",
)
def delete_tag(request: HttpRequest, tag_id: int) -> Status[None]:
    with answers(ContactsError, forbidden=FORBIDDEN):
        tag = get_tag_for_user(_user(request), tag_id, write=True)
    tags.delete_tag(tag=tag)
    return Status(204, None)


# Contact pictures


@router.get(
    "/contacts/{contact_id}/avatar",
    response={200: None, **ERRORS},
    summary="A contact's picture (256x256 PNG)",
)
def get_avatar(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(_user(request), contact_id)
    data = read_avatar(contact)
    if data is None:
        raise HttpError(404, "The contact has no picture.")
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.post(
    "/contacts/{contact_id}/avatar",
    response={204: None, **ERRORS},
    summary="Upload a contact's picture (JPEG, PNG, GIF or WebP up to 5 MB; cropped square)",
)
def upload_avatar(request: HttpRequest, contact_id: int, file: File[UploadedFile]) -> Status[None]:
    user = _user(request)
    with answers(ContactsError, forbidden=FORBIDDEN):
        contact = get_contact_for_user(user, contact_id, write=True)
        set_contact_avatar(contact=contact, upload=file, actor=user)
    return Status(204, None)


@router.delete(
    "/contacts/{contact_id}/avatar",
    response={204: None, **ERRORS},
    summary="Remove a contact's picture",
)
def delete_avatar(request: HttpRequest, contact_id: int) -> Status[None]:
    user = _user(request)
    with answers(ContactsError, forbidden=FORBIDDEN):
        contact = get_contact_for_user(user, contact_id, write=True)
    remove_contact_avatar(contact=contact, actor=user)
    return Status(204, None)


# Lock and unlock


@router.post(
    "/contacts/{contact_id}/lock",
    response={200: LockOut, **ERRORS},
    summary="Lock or unlock a contact (unlocking is for team admins)",
)
def lock_contact(request: HttpRequest, contact_id: int, payload: LockIn) -> LockOut:
    user = _user(request)
    with answers(ContactsError, forbidden=FORBIDDEN):
        contact = get_contact_for_user(user, contact_id, write=True)
    bulk.set_lock(record=contact, locked=payload.locked, actor=user)
    return LockOut(id=contact.pk, is_locked=contact.is_locked)


@router.post(
    "/organizations/{organization_id}/lock",
    response={200: LockOut, **ERRORS},
    summary="Lock or unlock an organization (unlocking is for team admins)",
)
def lock_organization(request: HttpRequest, organization_id: int, payload: LockIn) -> LockOut:
    user = _user(request)
    with answers(ContactsError, forbidden=FORBIDDEN):
        organization = get_organization_for_user(user, organization_id, write=True)
    bulk.set_lock(record=organization, locked=payload.locked, actor=user)
    return LockOut(id=organization.pk, is_locked=organization.is_locked)


@router.post(
    "/leads/{lead_id}/lock",
    response={200: LockOut, **ERRORS},
    summary="Lock or unlock a lead (unlocking is for team admins)",
)
def lock_lead(request: HttpRequest, lead_id: int, payload: LockIn) -> LockOut:
    user = _user(request)
    with answers(ContactsError, forbidden=FORBIDDEN):
        lead = get_lead_for_user(user, lead_id, write=True)
    bulk.set_lock(record=lead, locked=payload.locked, actor=user)
    return LockOut(id=lead.pk, is_locked=lead.is_locked)
