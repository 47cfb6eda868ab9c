"""Writes to contacts, organizations, their addresses, numbers, domains, tags and managers.

The only write path for `parley.contacts`: views, the API, demo data, tests and other apps
(triage, the e-mail assistant) call these functions. Each runs in `transaction.atomic()`; it
is deliberately not `durable`, because other apps compose these calls inside their own
transaction (for example "create a contact from this e-mail and link the conversation").
None of them has side effects outside the database. User mistakes raise subclasses of
`ContactsError` with a message fit to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, TypedDict, cast

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Membership, Team, User
from parley.contacts.choices import check_choice, default_choice
from parley.contacts.custom_fields import clean_custom_values, display_value, parse_custom
from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import (
    ChoiceKind,
    Contact,
    ContactEmail,
    ContactPhone,
    FieldTarget,
    Organization,
    OrganizationDomain,
    PhoneKind,
    Tag,
)
from parley.contacts.normalize import (
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_tax_id,
)
from parley.contacts.services.tags import clean_tag_name
from parley.contacts.services.timeline import record_changes, record_created, record_diff

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


class AddressData(TypedDict, total=False):
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    region: str
    country: str


class ContactFields(AddressData, total=False):
    """Plain fields of a contact that create/update accept (all optional)."""

    first_name: str
    last_name: str
    position: str
    stage: str
    source: str
    account_type: str
    note: str


class OrganizationFields(AddressData, total=False):
    """Plain fields of an organization that create/update accept (all optional)."""

    name: str
    tax_id: str
    account_type: str
    note: str


class Unset(Enum):
    """Marks an argument that was not given (None means "no organization")."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class NewPhone:
    raw: str
    kind: PhoneKind | str = PhoneKind.MOBILE


# Contacts


CONTACT_LISTS = {
    "stage": ChoiceKind.STAGE,
    "position": ChoiceKind.POSITION,
    "source": ChoiceKind.SOURCE,
    "account_type": ChoiceKind.ACCOUNT_TYPE,
}


def _clean_contact_fields(team_id: int, fields: ContactFields) -> ContactFields:
    cleaned = cast("ContactFields", {key: str(value).strip() for key, value in fields.items()})
    for name, kind in CONTACT_LISTS.items():
        if name in cleaned:
            cleaned[name] = check_choice(team_id, kind, cleaned[name])  # type: ignore[literal-required]  # name is one of ContactFields' keys
    return cleaned


def create_contact(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    team: Team,
    fields: ContactFields,
    emails: Sequence[str] = (),
    phones: Sequence[NewPhone] = (),
    organization: Organization | None = None,
    managers: Iterable[User] = (),
    tags: Iterable[str] = (),
    custom: Mapping[str, object] | None = None,
    actor: User | None = None,
) -> Contact:
    """Create a contact with its e-mail addresses (the first is primary) and phone numbers.

    Nothing is created when any address or number is invalid or already used.
    """
    cleaned = _clean_contact_fields(team.pk, fields)
    for name in ("stage", "account_type"):
        if name not in cleaned:
            cleaned[name] = default_choice(team.pk, CONTACT_LISTS[name])
    if not (cleaned.get("first_name") or cleaned.get("last_name") or emails):
        raise ContactsError(_("A contact needs a name or an e-mail address."))
    if organization is not None and organization.team_id != team.pk:
        raise ContactsError(_("The organization belongs to another team."))
    with transaction.atomic():
        contact = Contact(
            team=team,
            organization=organization,
            custom=clean_custom_values(team.pk, FieldTarget.CONTACT, custom or {}),
            **cleaned,
        )
        contact.save()
        for address in emails:
            _add_email(contact, address, primary=False)
        for phone in phones:
            _add_phone(contact, phone)
        _set_managers(contact, team, managers)
        for name in tags:
            contact.tags.add(_tag_for(team, name))
        record_created(contact, actor=actor)
    return contact


def update_contact(
    *, contact: Contact, fields: ContactFields, actor: User | None = None
) -> Contact:
    """Change the given plain fields of a contact (others stay as they are); the changes
    land on its timeline."""
    cleaned = _clean_contact_fields(contact.team_id, fields)
    before = {key: getattr(contact, key) for key in cleaned}
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(contact, key, value)
        contact.updated_at = timezone.now()
        contact.save(update_fields=[*cleaned.keys(), "updated_at"])
        record_changes(contact, before=before, actor=actor)
    return contact


def delete_contact(*, contact: Contact) -> None:
    """Delete the contact; its avatar file goes after the commit."""
    from parley.contacts.services.avatars import delete_avatar_file_later

    with transaction.atomic():
        contact.delete()
        delete_avatar_file_later(contact.avatar)


def _touch(record: Contact | Organization) -> None:
    """Mark `record` changed when only its related rows changed (addresses, numbers, tags,
    domains, managers): the search indexer picks up changed records by `updated_at`."""
    type(record).objects.filter(pk=record.pk).update(updated_at=timezone.now())


def _add_email(contact: Contact, address: str, *, primary: bool) -> ContactEmail:
    normalized = normalize_email(address)
    owner = ContactEmail.objects.filter(team_id=contact.team_id, address=normalized).first()
    if owner is not None:
        if owner.contact_id == contact.pk:
            raise DuplicateError(
                _("%(address)s is already an address of this contact.") % {"address": normalized}
            )
        raise DuplicateError(
            _("%(address)s already belongs to another contact.") % {"address": normalized}
        )
    has_primary = ContactEmail.objects.filter(contact=contact, is_primary=True).exists()
    if primary and has_primary:
        ContactEmail.objects.filter(contact=contact, is_primary=True).update(is_primary=False)
    try:
        # A savepoint, so a concurrent insert of the same address leaves the caller's
        # transaction usable and turns into the same error as the check above.
        with transaction.atomic():
            return ContactEmail.objects.create(
                contact=contact,
                team_id=contact.team_id,
                address=normalized,
                is_primary=primary or not has_primary,
            )
    except IntegrityError:
        raise DuplicateError(
            _("%(address)s already belongs to another contact.") % {"address": normalized}
        ) from None


def add_contact_email(*, contact: Contact, address: str, primary: bool = False) -> ContactEmail:
    """Add an address; the first address of a contact, or one added with primary, is primary.

    Raises InvalidEmailError, or DuplicateError when the team already has this address.
    """
    with transaction.atomic():
        email = _add_email(contact, address, primary=primary)
        _touch(contact)
    return email


def set_primary_email(*, email: ContactEmail) -> ContactEmail:
    with transaction.atomic():
        ContactEmail.objects.filter(contact_id=email.contact_id, is_primary=True).exclude(
            pk=email.pk
        ).update(is_primary=False)
        ContactEmail.objects.filter(pk=email.pk).update(is_primary=True)
        email.is_primary = True
    return email


def remove_contact_email(*, email: ContactEmail) -> None:
    """Remove an address; when it was the primary one, the oldest remaining one becomes it."""
    with transaction.atomic():
        email.delete()
        if email.is_primary:
            successor = ContactEmail.objects.filter(contact_id=email.contact_id).first()
            if successor is not None:
                ContactEmail.objects.filter(pk=successor.pk).update(is_primary=True)
        Contact.objects.filter(pk=email.contact_id).update(updated_at=timezone.now())


def _add_phone(contact: Contact, phone: NewPhone) -> ContactPhone:
    e164 = normalize_phone(phone.raw)
    kind = PhoneKind(phone.kind)
    if ContactPhone.objects.filter(contact=contact, e164=e164).exists():
        raise DuplicateError(
            _("%(number)s is already a number of this contact.") % {"number": e164}
        )
    return ContactPhone.objects.create(
        contact=contact, team_id=contact.team_id, raw=phone.raw.strip(), e164=e164, kind=kind
    )


def add_contact_phone(
    *, contact: Contact, raw: str, kind: PhoneKind | str = PhoneKind.MOBILE
) -> ContactPhone:
    """Add a number, stored as typed and in E.164. Raises InvalidPhoneError or DuplicateError.

    Several contacts may share a number (a company switchboard); matching returns them all.
    """
    with transaction.atomic():
        phone = _add_phone(contact, NewPhone(raw=raw, kind=kind))
        _touch(contact)
    return phone


def remove_contact_phone(*, phone: ContactPhone) -> None:
    with transaction.atomic():
        phone.delete()
        Contact.objects.filter(pk=phone.contact_id).update(updated_at=timezone.now())


def _set_organization(
    contact: Contact, organization: Organization | None, actor: User | None = None
) -> None:
    if organization is not None and organization.team_id != contact.team_id:
        raise ContactsError(_("The organization belongs to another team."))
    before = {"organization": contact.organization}
    contact.organization = organization
    contact.updated_at = timezone.now()
    contact.save(update_fields=["organization", "updated_at"])
    record_changes(contact, before=before, actor=actor)


def set_contact_organization(*, contact: Contact, organization: Organization | None) -> Contact:
    """Make the contact part of `organization` (of the same team), or of none."""
    with transaction.atomic():
        _set_organization(contact, organization)
    return contact


def _check_members(team: Team | int, users: Iterable[User]) -> list[User]:
    team_id = team if isinstance(team, int) else team.pk
    chosen = list(users)
    members = set(
        Membership.objects.filter(team_id=team_id, user__in=chosen).values_list(
            "user_id", flat=True
        )
    )
    strangers = [user for user in chosen if user.pk not in members]
    if strangers:
        raise ContactsError(
            _("Only members of the team can be managers: %(names)s")
            % {"names": ", ".join(str(user) for user in strangers)}
        )
    return chosen


def _set_managers(contact: Contact, team: Team | int, users: Iterable[User]) -> None:
    contact.managers.set(_check_members(team, users))


def set_contact_managers(*, contact: Contact, users: Iterable[User]) -> Contact:
    """Replace the contact's managers; every one must be a member of the contact's team."""
    with transaction.atomic():
        _set_managers(contact, contact.team_id, users)
        _touch(contact)
    return contact


# Tags


def _tag_for(team: Team | int, name: str) -> Tag:
    team_id = team if isinstance(team, int) else team.pk
    clean = clean_tag_name(name)
    tag = Tag.objects.filter(team_id=team_id, name__iexact=clean).first()
    if tag is None:
        tag = Tag.objects.create(team_id=team_id, name=clean)
    return tag


def tag_contact(*, contact: Contact, name: str) -> Tag:
    """Add the team's tag `name` (created when new, matched case-insensitively)."""
    with transaction.atomic():
        tag = _tag_for(contact.team_id, name)
        contact.tags.add(tag)
        _touch(contact)
    return tag


def untag_contact(*, contact: Contact, tag: Tag) -> None:
    with transaction.atomic():
        contact.tags.remove(tag)
        _touch(contact)


def set_contact_tags(*, contact: Contact, names: Iterable[str]) -> list[Tag]:
    """Replace the contact's tags by `names` (forms send the whole list)."""
    with transaction.atomic():
        tags = [_tag_for(contact.team_id, name) for name in names if name.strip()]
        contact.tags.set(tags)
        _touch(contact)
    return tags


def tag_organization(*, organization: Organization, name: str) -> Tag:
    with transaction.atomic():
        tag = _tag_for(organization.team_id, name)
        organization.tags.add(tag)
        _touch(organization)
    return tag


def untag_organization(*, organization: Organization, tag: Tag) -> None:
    with transaction.atomic():
        organization.tags.remove(tag)
        _touch(organization)


def set_organization_tags(*, organization: Organization, names: Iterable[str]) -> list[Tag]:
    with transaction.atomic():
        tags = [_tag_for(organization.team_id, name) for name in names if name.strip()]
        organization.tags.set(tags)
        _touch(organization)
    return tags


# Organizations


def _clean_organization_fields(team_id: int, fields: OrganizationFields) -> OrganizationFields:
    cleaned = cast("OrganizationFields", {key: str(value).strip() for key, value in fields.items()})
    if "account_type" in cleaned:
        cleaned["account_type"] = check_choice(
            team_id, ChoiceKind.ACCOUNT_TYPE, cleaned["account_type"]
        )
    if "name" in cleaned and not cleaned["name"]:
        raise ContactsError(_("An organization needs a name."))
    if cleaned.get("tax_id"):
        cleaned["tax_id"] = normalize_tax_id(cleaned["tax_id"])
    return cleaned


def create_organization(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    team: Team,
    fields: OrganizationFields,
    domains: Iterable[str] = (),
    managers: Iterable[User] = (),
    tags: Iterable[str] = (),
    custom: Mapping[str, object] | None = None,
    actor: User | None = None,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
) -> Organization:
    """Create an organization with its mail domains, addresses and numbers. Raises
    InvalidTaxIdError, InvalidEmailError, InvalidPhoneError, DuplicateError…"""
    from parley.contacts.services.organization_channels import set_organization_channels

    cleaned = _clean_organization_fields(team.pk, fields)
    cleaned.setdefault("account_type", default_choice(team.pk, ChoiceKind.ACCOUNT_TYPE))
    if not cleaned.get("name"):
        raise ContactsError(_("An organization needs a name."))
    with transaction.atomic():
        organization = Organization(
            team=team,
            custom=clean_custom_values(team.pk, FieldTarget.ORGANIZATION, custom or {}),
            **cleaned,
        )
        organization.save()
        for domain in domains:
            _add_domain(organization, domain)
        organization.managers.set(_check_members(team, managers))
        for name in tags:
            organization.tags.add(_tag_for(team, name))
        record_created(organization, actor=actor)
        emails, phones = list(emails), list(phones)
        if emails or phones:
            set_organization_channels(
                organization=organization, emails=emails, phones=phones, log=False
            )
    return organization


def update_organization(
    *, organization: Organization, fields: OrganizationFields, actor: User | None = None
) -> Organization:
    cleaned = _clean_organization_fields(organization.team_id, fields)
    before = {key: getattr(organization, key) for key in cleaned}
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(organization, key, value)
        organization.updated_at = timezone.now()
        organization.save(update_fields=[*cleaned.keys(), "updated_at"])
        record_changes(organization, before=before, actor=actor)
    return organization


def delete_organization(*, organization: Organization) -> None:
    """Delete the organization; its contacts stay, without an organization."""
    with transaction.atomic():
        organization.delete()


def _add_domain(organization: Organization, raw: str) -> OrganizationDomain:
    domain = normalize_domain(raw)
    owner = (
        OrganizationDomain.objects.filter(team_id=organization.team_id, domain=domain)
        .select_related("organization")
        .first()
    )
    if owner is not None:
        raise DuplicateError(
            _("%(domain)s already belongs to %(organization)s.")
            % {"domain": domain, "organization": owner.organization}
        )
    return OrganizationDomain.objects.create(
        organization=organization, team_id=organization.team_id, domain=domain
    )


def add_organization_domain(*, organization: Organization, domain: str) -> OrganizationDomain:
    """Add a mail domain; one domain belongs to at most one organization of a team."""
    with transaction.atomic():
        added = _add_domain(organization, domain)
        _touch(organization)
    return added


def remove_organization_domain(*, domain: OrganizationDomain) -> None:
    with transaction.atomic():
        domain.delete()
        _touch(domain.organization)


def set_organization_domains(*, organization: Organization, domains: Iterable[str]) -> None:
    """Make the organization's domains exactly `domains` (forms send the whole list)."""
    wanted = {normalize_domain(raw) for raw in domains if raw.strip()}
    with transaction.atomic():
        organization.domains.exclude(domain__in=wanted).delete()
        present = set(organization.domains.values_list("domain", flat=True))
        for domain in sorted(wanted - present):
            _add_domain(organization, domain)
        _touch(organization)


def set_organization_managers(*, organization: Organization, users: Iterable[User]) -> None:
    with transaction.atomic():
        organization.managers.set(_check_members(organization.team_id, users))


def update_contact_profile(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    contact: Contact,
    fields: ContactFields,
    organization: Organization | Unset | None = UNSET,
    tags: Iterable[str] | None = None,
    managers: Iterable[User] | None = None,
    custom: Mapping[str, object] | None = None,
    actor: User | None = None,
) -> Contact:
    """Save an edit form or an API patch of a contact in one transaction; every change
    lands on the contact's timeline.

    Arguments left out (UNSET or None) keep their current value; `custom` changes only the
    custom fields it names.
    """
    with transaction.atomic():
        update_contact(contact=contact, fields=fields, actor=actor)
        if custom is not None:
            set_custom_values(record=contact, values=custom, actor=actor)
        if organization is not UNSET and organization != contact.organization:
            _set_organization(contact, organization, actor)
        before = _relations(contact)
        if tags is not None:
            set_contact_tags(contact=contact, names=tags)
        if managers is not None:
            _set_managers(contact, contact.team_id, managers)
        record_diff(contact, before=before, after=_relations(contact), actor=actor)
    return contact


def set_custom_values(
    *, record: Contact | Organization, values: Mapping[str, object], actor: User | None = None
) -> Contact | Organization:
    """Set the custom fields named in `values` (an empty value clears one); checked against
    the team's definitions, required ones included. Changes land on the timeline."""
    target = FieldTarget.CONTACT if isinstance(record, Contact) else FieldTarget.ORGANIZATION
    before = parse_custom(record.custom)
    after = clean_custom_values(record.team_id, target, values, current=before)
    if after == before:
        return record
    with transaction.atomic():
        record.custom = after
        record.updated_at = timezone.now()
        record.save(update_fields=["custom", "updated_at"])
        keys = sorted(set(before) | set(after))
        record_diff(
            record,
            before={f"custom.{k}": display_value(before.get(k)) for k in keys},
            after={f"custom.{k}": display_value(after.get(k)) for k in keys},
            actor=actor,
        )
    return record


def _relations(record: Contact | Organization) -> dict[str, str]:
    """Tags and managers as text, to record their changes on the timeline."""
    return {
        "tags": ", ".join(sorted(tag.name for tag in record.tags.all())),
        "managers": ", ".join(sorted(str(user) for user in record.managers.all())),
    }


def update_organization_profile(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    organization: Organization,
    fields: OrganizationFields,
    domains: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    managers: Iterable[User] | None = None,
    custom: Mapping[str, object] | None = None,
    actor: User | None = None,
    emails: Iterable[str] | None = None,
    phones: Iterable[str] | None = None,
) -> Organization:
    """Save an edit form or an API patch of an organization in one transaction; every
    change lands on its timeline.

    Arguments left out (None) keep their current value.
    """
    from parley.contacts.services.organization_channels import set_organization_channels

    with transaction.atomic():
        if emails is not None or phones is not None:
            set_organization_channels(
                organization=organization, emails=emails, phones=phones, actor=actor
            )
        update_organization(organization=organization, fields=fields, actor=actor)
        if custom is not None:
            set_custom_values(record=organization, values=custom, actor=actor)
        before = _relations(organization)
        if domains is not None:
            set_organization_domains(organization=organization, domains=domains)
        if tags is not None:
            set_organization_tags(organization=organization, names=tags)
        if managers is not None:
            set_organization_managers(organization=organization, users=managers)
        record_diff(organization, before=before, after=_relations(organization), actor=actor)
    return organization
