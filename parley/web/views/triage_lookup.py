"""The record autocomplete of the triage, calls and meetings screens: htmx asks for the
records matching what the user types (debounced in the template), this view answers the
options, `parley/lookup.js` puts the chosen one in a hidden input. Every lookup goes through
the `visible_to(user)` querysets, so a user never sees, nor attaches to, what they may not
read; the services refuse another team's record when the choice is saved."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from parley.contacts.access import get_record_for_user
from parley.contacts.models import Contact, Lead, Organization
from parley.contacts.queries import LeadFilters, filter_leads, search_contacts
from parley.conversations.access import get_conversation_for_user
from parley.conversations.models import Conversation

if TYPE_CHECKING:
    from django.http import HttpResponse

    from parley.accounts.models import User
    from parley.web.views._auth import AuthenticatedHttpRequest

KIND_LABELS = {
    "contact": _("Contact"),
    "lead": _("Lead"),
    "organization": _("Organization"),
    "conversation": _("Conversation"),
}
KINDS = tuple(KIND_LABELS)
LIMIT = 8

type Record = Contact | Lead | Organization | Conversation


@dataclass(frozen=True, slots=True)
class Option:
    kind: str
    pk: int
    label: str
    detail: str
    # What a form may copy into its own empty fields when this option is chosen (a meeting
    # takes the contact's name and number).
    fill: dict[str, str] = field(default_factory=dict)

    @property
    def value(self) -> str:
        """What a form posts for this option: `kind:id` (see `lookup_record`)."""
        return f"{self.kind}:{self.pk}"

    @property
    def fill_json(self) -> str:
        return json.dumps(self.fill) if self.fill else ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _contacts(user: User, q: str, team_id: int | None) -> list[Option]:
    found = search_contacts(Contact.objects.visible_to(user), q).select_related("organization")
    if team_id is not None:
        found = found.filter(team_id=team_id)
    options = []
    for contact in found.prefetch_related("phones").order_by("last_name", "first_name")[:LIMIT]:
        phone = next(iter(contact.phones.all()), None)
        fill = {"name": contact.display_name, "phone": phone.raw if phone else ""}
        organization = str(contact.organization or "")
        options.append(Option("contact", contact.pk, contact.display_name, organization, fill))
    return options


def _leads(user: User, q: str, team_id: int | None) -> list[Option]:
    found = Lead.objects.visible_to(user).open()
    if team_id is not None:
        found = found.filter(team_id=team_id)
    found = filter_leads(found, LeadFilters(q=q), user)
    return [
        Option("lead", lead.pk, lead.name, lead.contact_name or lead.email)
        for lead in found.order_by("-pk")[:LIMIT]
    ]


def _organizations(user: User, q: str, team_id: int | None) -> list[Option]:
    found = Organization.objects.visible_to(user).filter(name__icontains=q)
    if team_id is not None:
        found = found.filter(team_id=team_id)
    return [Option("organization", org.pk, org.name, "") for org in found.order_by("name")[:LIMIT]]


def _conversations(user: User, q: str, team_id: int | None) -> list[Option]:
    number = q.lstrip("#")
    condition = Q(subject__icontains=q)
    if number.isdigit():
        condition |= Q(number=int(number))
    found = Conversation.objects.visible_to(user).filter(condition)
    if team_id is not None:
        found = found.filter(team_id=team_id)
    return [
        Option("conversation", c.pk, f"#{c.number} {c.subject}", "")
        for c in found.order_by("-number")[:LIMIT]
    ]


SEARCHES = {
    "contact": _contacts,
    "lead": _leads,
    "organization": _organizations,
    "conversation": _conversations,
}


@login_required
@require_GET
def record_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Options for `q` among `kinds` (comma-separated), of `team` when given."""
    q = request.GET.get("q", "").strip()
    kinds = [kind for kind in request.GET.get("kinds", "contact").split(",") if kind in KINDS]
    team = request.GET.get("team", "")
    team_id = int(team) if team.isdigit() else None
    options: list[Option] = []
    if q:
        for kind in kinds:
            options += SEARCHES[kind](request.user, q, team_id)
    context = {"options": options, "query": q, "single": len(kinds) == 1}
    return render(request, "web/partials/triage_lookup.html", context)


def lookup_record(request: AuthenticatedHttpRequest, value: str) -> Record | None:
    """The record a lookup option names (`kind:id`), fetched with the user's access check
    (404 for another team's); None for an empty or malformed value."""
    kind, _sep, pk = value.partition(":")
    if kind not in KINDS or not pk.isdigit():
        return None
    if kind == "conversation":
        return get_conversation_for_user(request.user, int(pk))
    return get_record_for_user(request.user, kind, int(pk))
