"""The timeline section of contact, organization and lead pages: a page of entries filtered
by kind (htmx fragment, "older" loads the next page), and "log an event"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.contacts.access import get_record_for_user
from parley.contacts.exceptions import ContactsError
from parley.contacts.forms import EventForm
from parley.contacts.models import LOGGABLE_KINDS, ActivityKind, Contact, Lead, Organization
from parley.contacts.services.timeline import log_event
from parley.contacts.timeline import timeline

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

Record = Contact | Organization | Lead


def timeline_context(
    request: AuthenticatedHttpRequest,
    record_type: str,
    record: Record,
    *,
    form: EventForm | None = None,
) -> dict[str, object]:
    """What the timeline partial needs; record pages include it in their context."""
    kinds = frozenset(k for k in request.GET.getlist("kind") if k in ActivityKind.values)
    before = None
    if raw := request.GET.get("before", ""):
        try:
            before = datetime.fromisoformat(raw)
        except ValueError:
            before = None
    if before is not None and before.tzinfo is None:
        before = None
    # Header actions (SMS, fax, note) link to `?log=<kind>#log-event`: the form opens
    # with that kind chosen.
    chosen_log = request.GET.get("log", "")
    if chosen_log not in {kind.value for kind in LOGGABLE_KINDS}:
        chosen_log = ""
    entries, next_before = timeline(
        record, kinds=kinds, before=before, visible=Contact.objects.visible_to(request.user)
    )
    return {
        "record_type": record_type,
        "record": record,
        "entries": entries,
        "next_before": next_before.isoformat() if next_before else "",
        "kinds": ActivityKind.choices,
        "chosen_kinds": kinds,
        "event_form": form or EventForm(initial={"kind": chosen_log} if chosen_log else None),
        "log_open": bool(chosen_log),
        "can_log": record.team_id in team_ids_for_user(request.user, write=True),
    }


@login_required
def record_timeline(
    request: AuthenticatedHttpRequest, record_type: str, record_id: int
) -> HttpResponse:
    record = get_record_for_user(request.user, record_type, record_id)
    context = timeline_context(request, record_type, record)
    fragment = "entries" if request.GET.get("before") else "timeline"
    return render(request, f"web/partials/timeline.html#{fragment}", context)


@require_POST
@login_required
def record_log_event(
    request: AuthenticatedHttpRequest, record_type: str, record_id: int
) -> HttpResponse:
    record = get_record_for_user(request.user, record_type, record_id, write=True)
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            log_event(
                record=record,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                occurred_at=form.cleaned_data["occurred_at"],
                actor=request.user,
            )
        except ContactsError as error:
            form.add_error(None, str(error))
        else:
            form = EventForm()
    status = 422 if form.errors else 200
    context = timeline_context(request, record_type, record, form=form)
    return render(request, "web/partials/timeline.html#timeline", context, status=status)
