"""The header actions of the contact page (CR1): write an e-mail (asking for an address
first when the contact has none, then keeping it), call (the `tel:` link logs the call),
and add a tag. SMS, fax, note and meeting open the timeline's "log an event" form or the
meeting form, so they need no view here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.contacts import services
from parley.contacts.access import get_contact_for_user, get_phone_of_contact
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ActivityKind
from parley.contacts.services.timeline import log_event
from parley.web.views.compose import compose_new

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest


@require_POST
@login_required
def contact_write_email(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Open the composer to the contact; an address typed here is stored first (as the
    primary one when the contact has none)."""
    contact = get_contact_for_user(request.user, contact_id, write=True)
    address = request.POST.get("address", "").strip()
    if address:
        try:
            stored = services.add_contact_email(
                contact=contact, address=address, primary=not contact.emails.exists()
            )
        except ContactsError as error:
            messages.error(request, str(error))
            return redirect("web:contact", contact_id=contact.pk)
        address = stored.address
    else:
        primary = contact.emails.first()
        if primary is None:
            messages.error(request, _("Type the address to write to."))
            return redirect("web:contact", contact_id=contact.pk)
        address = primary.address
    # "New conversation" takes a POST with `to` (it creates a draft); hand this POST over
    # so its checks (a mailbox the user may send from) apply unchanged.
    post = request.POST.copy()
    post.setlist("to", [address])
    request.POST = post  # type: ignore[assignment]  # a copy of the POST with `to` added
    return compose_new(request)


@require_POST
@login_required
def contact_log_call(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Log an outgoing call to one of the contact's numbers (sent when the `tel:` link is
    followed; answers 204 so the page stays)."""
    contact = get_contact_for_user(request.user, contact_id, write=True)
    phone_id = request.POST.get("phone", "")
    phone = get_phone_of_contact(contact, int(phone_id) if phone_id.isdigit() else 0)
    log_event(
        record=contact,
        kind=ActivityKind.CALL,
        text=_("Outgoing call to %(number)s") % {"number": phone.raw},
        actor=request.user,
    )
    return HttpResponse(status=204)


@require_POST
@login_required
def contact_add_tag(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    try:
        tag = services.tag_contact(contact=contact, name=request.POST.get("name", ""))
    except ContactsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Tagged %(tag)s.") % {"tag": tag.name})
    return redirect("web:contact", contact_id=contact.pk)
