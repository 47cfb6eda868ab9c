"""E-mail triage: the Ready list (default), Linked, Ignored with undo, one e-mail's card with
Create / Attach / Ignore, bulk actions, and the nav counter. Calls have their own triage in
`parley.web.views.calls`; this screen mirrors it for e-mails (TR1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.contacts.access import get_contact_for_user, get_record_for_user
from parley.contacts.models import Contact, Lead
from parley.contacts.queries import search_contacts
from parley.conversations.access import get_conversation_for_user
from parley.triage import customers, services
from parley.triage.access import get_triage_for_user
from parley.triage.exceptions import TriageError
from parley.triage.models import EmailTriage, EmailTriageQuerySet, State

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50
VIEWS = {"ready": State.READY, "linked": State.LINKED, "ignored": State.IGNORED, "all": None}
BULK_ACTIONS = ("ignore", "restore", "lead")


def _rows(request: AuthenticatedHttpRequest, view: str) -> EmailTriageQuerySet:
    rows = EmailTriage.objects.visible_to(request.user)
    if VIEWS[view] is not None:
        rows = rows.filter(state=VIEWS[view])
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(
            Q(message__subject__icontains=q)
            | Q(message__from_address__icontains=q)
            | Q(message__from_name__icontains=q)
        )
    return rows.select_related(
        "message", "message__conversation", "contact", "organization", "lead", "suggestion"
    ).prefetch_related("candidates", "lead_candidates")


@login_required
def triage_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    view = request.GET.get("view", "ready")
    view = view if view in VIEWS else "ready"
    page = Paginator(_rows(request, view), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "view": view,
        "q": request.GET.get("q", ""),
        "ready_count": EmailTriage.objects.visible_to(request.user).ready().count(),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
    }
    template = "web/triage.html#results" if request.htmx else "web/triage.html"
    return render(request, template, context)


def _found(request: AuthenticatedHttpRequest, row: EmailTriage) -> dict[str, object]:
    query = request.GET.get("q", "").strip()
    if not query:
        return {"query": "", "found_contacts": [], "found_leads": []}
    contacts = search_contacts(Contact.objects.visible_to(request.user), query)
    leads = Lead.objects.visible_to(request.user).filter(
        Q(name__icontains=query) | Q(email__icontains=query) | Q(contact_name__icontains=query)
    )
    return {
        "query": query,
        "found_contacts": list(contacts.filter(team_id=row.team_id)[:20]),
        "found_leads": list(leads.filter(team_id=row.team_id).open()[:20]),
    }


@login_required
def triage_detail(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id)
    message = row.message
    context = {
        "row": row,
        "message": message,
        "attachments": message.attachments.filter(is_inline=False),
        "candidates": row.candidates.all(),
        "lead_candidates": row.lead_candidates.all(),
        "can_write": row.team_id in team_ids_for_user(request.user, write=True),
        **_found(request, row),
    }
    template = "web/triage_detail.html#search" if request.htmx else "web/triage_detail.html"
    return render(request, template, context)


def _back(request: AuthenticatedHttpRequest, row: EmailTriage) -> HttpResponse:
    """To the list the action came from (triage goes row by row), else to the card."""
    if request.POST.get("next") == "list":
        return redirect("web:triage")
    return redirect("web:triage_detail", triage_id=row.pk)


@login_required
@require_POST
def triage_link(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    kind = request.POST.get("kind", "contact")
    record_id = request.POST.get("record", "")
    record = get_record_for_user(request.user, kind, int(record_id) if record_id.isdigit() else 0)
    try:
        services.link_email(row=row, record=record, actor=request.user)
    except TriageError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The e-mail is attached to %(name)s.") % {"name": record})
    return _back(request, row)


@login_required
@require_POST
def triage_create(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    """Create a lead (default) or a contact from the e-mail, then open it to complete."""
    row = get_triage_for_user(request.user, triage_id, write=True)
    try:
        if request.POST.get("kind") == "contact":
            contact = services.create_contact_from_email(
                row=row,
                actor=request.user,
                first_name=request.POST.get("first_name", ""),
                last_name=request.POST.get("last_name", ""),
            )
            messages.success(request, _("The contact has been created from the e-mail."))
            return redirect("web:contact", contact_id=contact.pk)
        lead = services.create_lead_from_email(
            row=row, actor=request.user, name=request.POST.get("name", "")
        )
    except TriageError as error:
        messages.error(request, str(error))
        return _back(request, row)
    messages.success(request, _("The lead has been created from the e-mail."))
    if request.POST.get("next") == "list":
        return redirect("web:triage")
    return redirect("web:lead", lead_id=lead.pk)


@login_required
@require_POST
def triage_ignore(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    services.ignore_email(row=row, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("The e-mail is ignored."))
    return _back(request, row)


@login_required
@require_POST
def triage_restore(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    services.restore_email(row=row, actor=request.user)
    messages.success(request, _("The e-mail is no longer ignored."))
    return _back(request, row)


@login_required
@require_POST
def triage_unlink(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    services.unlink_email(row=row, actor=request.user)
    return _back(request, row)


@login_required
@require_POST
def triage_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ignore, restore or create leads for the chosen e-mails; reports partial success."""
    action = request.POST.get("action", "")
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    if action not in BULK_ACTIONS or not ids:
        messages.error(request, _("Choose e-mails and an action."))
        return redirect("web:triage")
    writable = team_ids_for_user(request.user, write=True)
    rows = EmailTriage.objects.visible_to(request.user).filter(pk__in=ids, team_id__in=writable)
    done, failed = 0, 0
    for row in rows.select_related("message", "message__conversation__team"):
        try:
            if action == "ignore":
                services.ignore_email(
                    row=row, actor=request.user, reason=request.POST.get("reason", "")
                )
            elif action == "restore":
                services.restore_email(row=row, actor=request.user)
            else:
                services.create_lead_from_email(row=row, actor=request.user)
        except TriageError:
            failed += 1
        else:
            done += 1
    failed += len(ids) - done - failed
    messages.success(
        request, ngettext("%(n)d e-mail done.", "%(n)d e-mails done.", done) % {"n": done}
    )
    if failed:
        messages.error(
            request,
            ngettext("%(n)d e-mail failed.", "%(n)d e-mails failed.", failed) % {"n": failed},
        )
    view = request.POST.get("view", "ready")
    return redirect(f"{reverse('web:triage')}?view={view if view in VIEWS else 'ready'}")


# The customer of a conversation (CR6): the panel is included in the conversation page.


@login_required
@require_POST
def conversation_customer(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_conversation_for_user(request.user, conversation_id, write=True)
    action = request.POST.get("action", "")
    try:
        if action == "detach":
            customers.detach(conversation=conversation, actor=request.user)
            messages.success(request, _("The customer is detached."))
        elif action == "attach":
            contact_id = request.POST.get("contact", "")
            add_address = request.POST.get("add_address") == "on"
            # Adding the sender's address changes the contact: that needs write access to it.
            contact = get_contact_for_user(
                request.user, int(contact_id) if contact_id.isdigit() else 0, write=add_address
            )
            others = customers.attach_existing_customer(
                conversation=conversation,
                actor=request.user,
                contact=contact,
                add_address=add_address,
                all_conversations=request.POST.get("all_conversations") == "on",
            )
            messages.success(
                request,
                _("%(name)s is the customer (and of %(n)d other conversations).")
                % {"name": contact, "n": others},
            )
        else:
            kind = request.POST.get("kind", "person")
            customers.add_new_customer(
                conversation=conversation,
                actor=request.user,
                person=kind in ("person", "both"),
                company=request.POST.get("company", "") if kind != "person" else "",
                first_name=request.POST.get("first_name", ""),
                last_name=request.POST.get("last_name", ""),
            )
            messages.success(request, _("The customer has been added."))
    except TriageError as error:
        messages.error(request, str(error))
    return redirect("web:conversation", conversation_id=conversation.pk)


@login_required
def conversation_customer_search(
    request: AuthenticatedHttpRequest, conversation_id: int
) -> HttpResponse:
    """Contacts of the conversation's team matching `q`, for the Attach form (htmx)."""
    conversation = get_conversation_for_user(request.user, conversation_id)
    query = request.GET.get("q", "").strip()
    found = (
        list(
            search_contacts(Contact.objects.visible_to(request.user), query).filter(
                team_id=conversation.team_id
            )[:20]
        )
        if query
        else []
    )
    context = {"conversation": conversation, "found": found, "query": query}
    return render(request, "web/partials/triage_customer.html#found", context)


@login_required
def triage_count(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Ready counter of the navigation, loaded and refreshed by htmx so that rendering
    a page costs no query for it."""
    count = EmailTriage.objects.visible_to(request.user).ready().count()
    return render(request, "web/partials/triage_count.html", {"count": count})
