"""Writes to leads: create (by hand, or from an e-mail or a call through `create_lead`),
change, delete, and convert to a contact and organization.

Like the rest of `parley.contacts.services`, each function runs in `transaction.atomic()`
without `durable`, so triage, mail and calls code can call them inside their own
transaction. Every change is written to the lead's timeline (`record_changes`). Nothing
happens outside the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.contacts.choices import check_choice, default_choice
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import (
    ChoiceKind,
    Contact,
    ContactEmail,
    Lead,
    Organization,
)
from parley.contacts.normalize import normalize_email, normalize_phone
from parley.contacts.services import (
    UNSET,
    NewPhone,
    Unset,
    _check_members,
    create_contact,
    create_organization,
    set_contact_organization,
)
from parley.contacts.services.timeline import record_changes, record_created

if TYPE_CHECKING:
    from parley.accounts.models import Team, User


class LeadFields(TypedDict, total=False):
    """Plain fields of a lead that create/update accept."""

    name: str
    contact_name: str
    email: str
    phone: str
    company: str
    status: str
    source: str
    description: str
    next_step: str


TRACKED = (
    "name",
    "contact_name",
    "email",
    "phone_raw",
    "company",
    "status",
    "source",
    "description",
    "next_step",
    "salesperson_id",
)


def _apply(lead: Lead, fields: LeadFields) -> None:
    """Check and copy `fields` onto `lead` (not saved)."""
    for key, raw in fields.items():
        value = str(raw).strip()
        if key == "name":
            if not value:
                raise ContactsError(_("A lead needs a name: what is the enquiry about?"))
            lead.name = value[:200]
        elif key == "email":
            lead.email = normalize_email(value) if value else ""
        elif key == "phone":
            lead.phone_raw = value
            lead.phone_e164 = normalize_phone(value) if value else ""
        elif key == "status":
            lead.status = check_choice(lead.team_id, ChoiceKind.LEAD_STATUS, value)
        elif key == "source":
            lead.source = check_choice(lead.team_id, ChoiceKind.SOURCE, value)
        else:
            setattr(lead, key, value)


def _check_salesperson(team_id: int, salesperson: User | None) -> User | None:
    if salesperson is not None:
        _check_members(team_id, [salesperson])
    return salesperson


def create_lead(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    team: Team,
    name: str,
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    company: str = "",
    salesperson: User | None = None,
    status: str = "",
    source: str = "",
    description: str = "",
    next_step: str = "",
    actor: User | None = None,
) -> Lead:
    """Create a lead. Triage, mail and calls code call this with what they know (an address,
    a number, a subject). The e-mail and number are normalized; the status defaults to the
    first of the team's lead statuses. Raises ContactsError subclasses on bad input."""
    lead = Lead(team=team, salesperson=_check_salesperson(team.pk, salesperson))
    _apply(
        lead,
        {
            "name": name,
            "contact_name": contact_name,
            "email": email,
            "phone": phone,
            "company": company,
            "status": status or default_choice(team.pk, ChoiceKind.LEAD_STATUS),
            "source": source,
            "description": description,
            "next_step": next_step,
        },
    )
    with transaction.atomic():
        lead.save()
        record_created(lead, actor=actor)
    return lead


def update_lead(
    *,
    lead: Lead,
    fields: LeadFields,
    salesperson: User | Unset | None = UNSET,
    actor: User | None = None,
) -> Lead:
    """Change the given fields (others stay); every change lands on the lead's timeline."""
    before = {name: getattr(lead, name) for name in TRACKED}
    _apply(lead, fields)
    if not isinstance(salesperson, Unset):
        lead.salesperson = _check_salesperson(lead.team_id, salesperson)
    changed = [name for name in TRACKED if getattr(lead, name) != before[name]]
    if not changed:
        return lead
    if "phone_raw" in changed:
        changed.append("phone_e164")
    lead.updated_at = timezone.now()
    with transaction.atomic():
        lead.save(update_fields=[*(n.removesuffix("_id") for n in changed), "updated_at"])
        record_changes(lead, before=before, actor=actor)
    return lead


def delete_lead(*, lead: Lead) -> None:
    with transaction.atomic():
        lead.delete()


def _split_name(full: str) -> tuple[str, str]:
    parts = full.split()
    if len(parts) < 2:
        return (full.strip(), "")
    return (" ".join(parts[:-1]), parts[-1])


def _organization_for(lead: Lead) -> Organization | None:
    if not lead.company:
        return None
    found = Organization.objects.for_teams([lead.team_id]).filter(name__iexact=lead.company)
    return found.first() or create_organization(team=lead.team, fields={"name": lead.company})


def convert_lead(
    *,
    lead: Lead,
    organization: Organization | Unset | None = UNSET,
    actor: User | None = None,
) -> Contact:
    """Turn the lead into a contact, or attach it to the contact already owning its e-mail
    address. The organization is the one given, else the team's organization named like the
    lead's company (created when missing). The lead stays, linked by `converted_to`, so its
    timeline shows on the contact."""
    if lead.converted_to_id is not None:
        raise ContactsError(_("This lead has already been converted."))
    with transaction.atomic():
        owner = (
            ContactEmail.objects.filter(team_id=lead.team_id, address=lead.email)
            .select_related("contact")
            .first()
            if lead.email
            else None
        )
        chosen = _organization_for(lead) if isinstance(organization, Unset) else organization
        if owner is not None:
            contact = owner.contact
            if chosen is not None and contact.organization_id is None:
                set_contact_organization(contact=contact, organization=chosen)
        else:
            first, last = _split_name(lead.contact_name)
            if not (first or last or lead.email):
                raise ContactsError(_("The lead needs a contact person or an e-mail address."))
            contact = create_contact(
                team=lead.team,
                fields={"first_name": first, "last_name": last, "source": lead.source},
                emails=[lead.email] if lead.email else [],
                phones=[NewPhone(lead.phone_raw)] if lead.phone_raw else [],
                organization=chosen,
                managers=[lead.salesperson] if lead.salesperson else [],
                actor=actor,
            )
        before = {"converted_to_id": None}
        lead.converted_to = contact
        lead.converted_at = timezone.now()
        lead.updated_at = lead.converted_at
        lead.save(update_fields=["converted_to", "converted_at", "updated_at"])
        record_changes(lead, before=before, actor=actor)
    return contact
