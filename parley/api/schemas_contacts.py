"""Request and response schemas of the contacts and organizations API."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from parley.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    OrganizationPhone,
    PhoneKind,
)


class AddressSchema(Schema):
    address_line1: str = ""
    address_line2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""


class EmailOut(Schema):
    id: int
    address: str
    is_primary: bool


class EmailIn(Schema):
    address: str = Field(max_length=254)
    primary: bool = False


class PhoneOut(Schema):
    id: int
    raw: str
    e164: str
    kind: PhoneKind


class PhoneIn(Schema):
    number: str = Field(max_length=50, description="As typed; stored in E.164 as well.")
    kind: PhoneKind = PhoneKind.MOBILE


class ContactOut(AddressSchema):
    id: int
    team_id: int
    first_name: str
    last_name: str
    display_name: str
    position: str
    stage: str
    source: str
    account_type: str
    organization_id: int | None
    note: str
    tags: list[str]
    manager_ids: list[int]
    custom: dict[str, str | int | float | list[str]]
    emails: list[EmailOut]
    phones: list[PhoneOut]
    is_locked: bool
    has_avatar: bool = Field(description="Fetch it from /contacts/{id}/avatar.")
    created_at: datetime
    updated_at: datetime

    # Resolvers read prefetched relations (see parley.contacts.queries.contact_list_queryset).
    @staticmethod
    def resolve_has_avatar(obj: Contact) -> bool:
        return bool(obj.avatar)

    @staticmethod
    def resolve_tags(obj: Contact) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_manager_ids(obj: Contact) -> list[int]:
        return [user.pk for user in obj.managers.all()]

    @staticmethod
    def resolve_emails(obj: Contact) -> list[ContactEmail]:
        return list(obj.emails.all())

    @staticmethod
    def resolve_phones(obj: Contact) -> list[ContactPhone]:
        return list(obj.phones.all())


class ContactIn(AddressSchema):
    team_id: int | None = Field(
        None, description="Needed only when the user can write in several teams."
    )
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    position: str = Field("", max_length=100)
    stage: str | None = Field(
        None, max_length=100, description="A key of the team's stage list; else its first."
    )
    source: str = Field("", max_length=100)
    account_type: str | None = Field(None, max_length=100)
    organization_id: int | None = None
    note: str = ""
    tags: list[str] = []
    manager_ids: list[int] = []
    custom: dict[str, Any] = Field({}, description="Custom field values by key.")
    emails: list[str] = Field([], description="The first address is the primary one.")
    phones: list[PhoneIn] = []


class ContactPatch(Schema):
    """Only the fields sent are changed. E-mails and phones have their own endpoints."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    position: str | None = Field(None, max_length=100)
    stage: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    account_type: str | None = Field(None, max_length=100)
    note: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    organization_id: int | None = Field(None, description="Send null to detach.")
    tags: list[str] | None = None
    manager_ids: list[int] | None = None
    custom: dict[str, Any] | None = Field(
        None, description="Only the keys sent change; an empty value clears one."
    )


class OrganizationPhoneOut(Schema):
    raw: str
    e164: str


class OrganizationOut(AddressSchema):
    id: int
    team_id: int
    name: str
    tax_id: str
    account_type: str
    note: str
    domains: list[str]
    emails: list[str]
    phones: list[OrganizationPhoneOut]
    tags: list[str]
    manager_ids: list[int]
    custom: dict[str, str | int | float | list[str]]
    is_locked: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_domains(obj: Organization) -> list[str]:
        return [d.domain for d in obj.domains.all()]

    @staticmethod
    def resolve_emails(obj: Organization) -> list[str]:
        return [e.address for e in obj.emails.all()]

    @staticmethod
    def resolve_phones(obj: Organization) -> list[OrganizationPhone]:
        return list(obj.phones.all())

    @staticmethod
    def resolve_tags(obj: Organization) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_manager_ids(obj: Organization) -> list[int]:
        return [user.pk for user in obj.managers.all()]


class OrganizationIn(AddressSchema):
    team_id: int | None = Field(
        None, description="Needed only when the user can write in several teams."
    )
    name: str = Field(min_length=1, max_length=200)
    tax_id: str = Field("", max_length=20, description="Polish NIP, checked with its checksum.")
    account_type: str | None = Field(None, max_length=100)
    note: str = ""
    domains: list[str] = []
    emails: list[str] = Field([], description="The organization's own addresses.")
    phones: list[str] = Field([], description="As typed; stored in E.164 as well.")
    tags: list[str] = []
    manager_ids: list[int] = []
    custom: dict[str, Any] = Field({}, description="Custom field values by key.")


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    tax_id: str | None = Field(None, max_length=20)
    account_type: str | None = Field(None, max_length=100)
    note: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    domains: list[str] | None = None
    emails: list[str] | None = Field(None, description="Replaces every address.")
    phones: list[str] | None = Field(None, description="Replaces every number.")
    tags: list[str] | None = None
    manager_ids: list[int] | None = None
    custom: dict[str, Any] | None = Field(
        None, description="Only the keys sent change; an empty value clears one."
    )


class ContactQuery(Schema):
    """Filters of GET /contacts; text filters match contained text, list keys exactly."""

    q: str = Field(
        "", description="Names, e-mail addresses, organization, any spelling of a number."
    )
    tag: int | None = None
    organization: int | None = None
    mine: bool = Field(False, description="Contacts you manage.")
    manager: int | None = Field(None, description="Contacts this user manages.")
    locked: bool | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = Field("", description="Any spelling: 601 234 567, +48601234567, 0048…")
    position: str = ""
    stage: str = ""
    source: str = ""
    account_type: str = ""
    address: str = Field("", description="Either address line.")
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""


class OrganizationQuery(Schema):
    q: str = Field("", description="Names, mail domains, NIPs and cities.")
    tag: int | None = None
    mine: bool = False
    manager: int | None = None
    locked: bool | None = None
    name: str = ""
    tax_id: str = ""
    domain: str = ""
    phone: str = Field("", description="Any spelling of one of its numbers.")
    address: str = Field("", description="Either address line.")
    account_type: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
