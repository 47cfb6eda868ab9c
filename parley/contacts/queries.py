"""The contact and organization list filters, shared by the web pages and the API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from parley.accounts.models import User
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ContactQuerySet, LeadQuerySet, OrganizationQuerySet
from parley.contacts.normalize import normalize_phone

# Fewer digits than this would match most numbers, so they are not searched as a number.
MIN_PHONE_DIGITS = 3


@dataclass(frozen=True, slots=True)
class ContactFilters:
    """Every filter of the contact list (LV1); text fields match contained, case-insensitive
    text, list keys (stage, source, position, account type) match exactly."""

    q: str = ""
    tag: int | None = None
    organization: int | None = None
    mine: bool = False
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    position: str = ""
    stage: str = ""
    source: str = ""
    account_type: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    manager: int | None = None
    locked: bool | None = None


TEXT_FILTERS = ("first_name", "last_name", "postal_code", "city", "region", "country")
EXACT_FILTERS = ("position", "stage", "source", "account_type")


def contact_filters_from(params: Mapping[str, str]) -> ContactFilters:
    """Filters from a query string (web list, export, saved views)."""

    def number(name: str) -> int | None:
        value = params.get(name, "")
        return int(value) if value.isdigit() else None

    locked = params.get("locked", "")
    return ContactFilters(
        q=params.get("q", ""),
        tag=number("tag"),
        organization=number("organization"),
        mine=params.get("mine") == "1",
        manager=number("manager"),
        locked=True if locked == "1" else False if locked == "0" else None,
        **{name: params.get(name, "").strip() for name in (*TEXT_FILTERS, *EXACT_FILTERS)},
        email=params.get("email", "").strip(),
        phone=params.get("phone", "").strip(),
        address=params.get("address", "").strip(),
    )


@dataclass(frozen=True, slots=True)
class OrganizationFilters:
    q: str = ""
    tag: int | None = None
    mine: bool = False
    name: str = ""
    tax_id: str = ""
    domain: str = ""
    account_type: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    manager: int | None = None
    locked: bool | None = None
    address: str = ""
    phone: str = ""


ORGANIZATION_TEXT_FILTERS = ("name", "postal_code", "city", "region", "country")


def organization_filters_from(params: Mapping[str, str]) -> OrganizationFilters:
    manager = params.get("manager", "")
    tag = params.get("tag", "")
    locked = params.get("locked", "")
    return OrganizationFilters(
        q=params.get("q", ""),
        tag=int(tag) if tag.isdigit() else None,
        mine=params.get("mine") == "1",
        manager=int(manager) if manager.isdigit() else None,
        locked=True if locked == "1" else False if locked == "0" else None,
        tax_id=params.get("tax_id", "").strip(),
        domain=params.get("domain", "").strip(),
        account_type=params.get("account_type", "").strip(),
        address=params.get("address", "").strip(),
        phone=params.get("phone", "").strip(),
        **{name: params.get(name, "").strip() for name in ORGANIZATION_TEXT_FILTERS},
    )


def _phone_condition(text: str, field: str = "phones__e164") -> Q | None:
    """Numbers in `field` equal to `text` once normalized, or containing its digits."""
    try:
        return Q(**{field: normalize_phone(text)})
    except ContactsError:
        pass
    digits = re.sub(r"\D", "", text).lstrip("0")
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return Q(**{f"{field}__contains": digits})


def _contact_word(word: str) -> Q:
    condition = (
        Q(first_name__icontains=word)
        | Q(last_name__icontains=word)
        | Q(emails__address__icontains=word.lower())
        | Q(organization__name__icontains=word)
    )
    phone = _phone_condition(word)
    return condition | phone if phone is not None else condition


def search_contacts(contacts: ContactQuerySet, q: str) -> ContactQuerySet:
    """Contacts matching every word of `q` in a name, e-mail, phone or organization.

    The whole text is tried as a phone number first, so `601 234 567` finds `+48601234567`.
    """
    q = q.strip()
    if not q:
        return contacts
    phone = _phone_condition(q)
    words = Q()
    for word in q.split():
        words &= _contact_word(word)
    condition = words | phone if phone is not None else words
    ids = contacts.filter(condition).values("pk")
    return contacts.filter(pk__in=ids)


def _filter_account[QS: (ContactQuerySet, OrganizationQuerySet)](
    records: QS,
    filters: ContactFilters | OrganizationFilters,
    user: User,
    text_filters: tuple[str, ...],
) -> QS:
    """The filters contacts and organizations share: tag, mine, manager, locked and the
    fields matched by contained, case-insensitive text."""
    if filters.tag is not None:
        records = records.filter(tags__pk=filters.tag)
    if filters.mine:
        records = records.managed_by(user)
    if filters.manager is not None:
        records = records.filter(managers__pk=filters.manager)
    if filters.locked is not None:
        records = records.filter(is_locked=filters.locked)
    for name in text_filters:
        if value := getattr(filters, name):
            records = records.filter(**{f"{name}__icontains": value})
    return records


def filter_contacts(
    contacts: ContactQuerySet, filters: ContactFilters, user: User
) -> ContactQuerySet:
    contacts = search_contacts(contacts, filters.q)
    if filters.organization is not None:
        contacts = contacts.filter(organization_id=filters.organization)
    contacts = _filter_account(contacts, filters, user, TEXT_FILTERS)
    for name in EXACT_FILTERS:
        if value := getattr(filters, name):
            contacts = contacts.filter(**{name: value})
    if filters.address:
        contacts = contacts.filter(
            Q(address_line1__icontains=filters.address)
            | Q(address_line2__icontains=filters.address)
        )
    if filters.email:
        matching = contacts.filter(emails__address__icontains=filters.email.lower())
        contacts = contacts.filter(pk__in=matching.values("pk"))
    if filters.phone:
        phone = _phone_condition(filters.phone)
        matching = contacts.filter(phone) if phone is not None else contacts.none()
        contacts = contacts.filter(pk__in=matching.values("pk"))
    return contacts


def filter_organizations(
    organizations: OrganizationQuerySet, filters: OrganizationFilters, user: User
) -> OrganizationQuerySet:
    q = filters.q.strip()
    if q:
        condition = (
            Q(name__icontains=q)
            | Q(domains__domain__icontains=q.lower())
            | Q(emails__address__icontains=q.lower())
            | Q(tax_id=re.sub(r"\D", "", q) or "-")
            | Q(city__icontains=q)
        )
        if (phone := _phone_condition(q, "phones__e164")) is not None:
            condition |= phone
        organizations = organizations.filter(pk__in=organizations.filter(condition).values("pk"))
    organizations = _filter_account(organizations, filters, user, ORGANIZATION_TEXT_FILTERS)
    if filters.account_type:
        organizations = organizations.filter(account_type=filters.account_type)
    if filters.tax_id:
        organizations = organizations.filter(tax_id__contains=re.sub(r"\D", "", filters.tax_id))
    return _filter_organization_channels(organizations, filters)


def _filter_organization_channels(
    organizations: OrganizationQuerySet, filters: OrganizationFilters
) -> OrganizationQuerySet:
    """The domain, phone and address filters of the organization list."""
    if filters.domain:
        matching = organizations.filter(domains__domain__icontains=filters.domain.lower())
        organizations = organizations.filter(pk__in=matching.values("pk"))
    if filters.address:
        organizations = organizations.filter(
            Q(address_line1__icontains=filters.address)
            | Q(address_line2__icontains=filters.address)
        )
    if filters.phone:
        phone = _phone_condition(filters.phone, "phones__e164")
        matching = organizations.filter(phone) if phone is not None else organizations.none()
        organizations = organizations.filter(pk__in=matching.values("pk"))
    return organizations


def contact_list_queryset(contacts: ContactQuerySet) -> ContactQuerySet:
    """What a list page shows per contact, loaded in a fixed number of queries."""
    return contacts.select_related("organization").prefetch_related("emails", "phones", "tags")


def organization_list_queryset(organizations: OrganizationQuerySet) -> OrganizationQuerySet:
    return organizations.prefetch_related("domains", "emails", "phones", "tags")


@dataclass(frozen=True, slots=True)
class LeadFilters:
    q: str = ""
    status: str = ""
    salesperson: int | None = None
    mine: bool = False
    only_open: bool = False
    source: str = ""
    company: str = ""
    locked: bool | None = None


def lead_filters_from(params: Mapping[str, str]) -> LeadFilters:
    """Filters of the lead list from a query string (web list, export, saved views)."""
    salesperson = params.get("salesperson", "")
    locked = params.get("locked", "")
    return LeadFilters(
        q=params.get("q", ""),
        status=params.get("status", "").strip(),
        salesperson=int(salesperson) if salesperson.isdigit() else None,
        mine=params.get("mine") == "1",
        only_open=params.get("open") == "1",
        source=params.get("source", "").strip(),
        company=params.get("company", "").strip(),
        locked=True if locked == "1" else False if locked == "0" else None,
    )


def filter_leads(leads: LeadQuerySet, filters: LeadFilters, user: User) -> LeadQuerySet:
    """Leads matching the text (enquiry, person, e-mail, company, any spelling of the
    number) and the other filters."""
    q = filters.q.strip()
    if q:
        condition = (
            Q(name__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(email__icontains=q.lower())
            | Q(company__icontains=q)
        )
        phone = _phone_condition(q, "phone_e164")
        if phone is not None:
            condition |= phone
        leads = leads.filter(condition)
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.mine:
        leads = leads.filter(salesperson=user)
    elif filters.salesperson is not None:
        leads = leads.filter(salesperson_id=filters.salesperson)
    if filters.only_open:
        leads = leads.open()
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.company:
        leads = leads.filter(company__icontains=filters.company)
    if filters.locked is not None:
        leads = leads.filter(is_locked=filters.locked)
    return leads.select_related("salesperson", "converted_to")
