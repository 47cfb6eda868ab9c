"""E-mail triage: the Ready list (default), Linked, Ignored with undo, one e-mail's card with
Create / Attach / Ignore, bulk actions, and the nav counter. Calls have their own triage in
`parley.web.views.calls`; this screen mirrors it for e-mails (TR1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.contacts.access import get_contact_for_user, get_record_for_user
from parley.contacts.models import Contact, Lead
from parley.contacts.queries import search_contacts
from parley.conversations.access import get_conversation_for_user
from parley.conversations.models import Conversation
from parley.triage import customers, services
from parley.triage.access import get_triage_for_user
from parley.triage.exceptions import TriageError
from parley.triage.models import EmailTriage, EmailTriageQuerySet, State
from parley.web.views import _triage_lists as lists
from parley.web.views.triage_lookup import lookup_record

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

VIEWS = {"ready": State.READY, "linked": State.LINKED, "ignored": State.IGNORED, "all": None}
SCREEN = lists.Screen(
    list_name="web:triage",
    card_name="web:triage_detail",
    errors=(TriageError,),
    refused=gettext_lazy("Choose e-mails, an action and, to attach, a record."),
    done=lambda n: ngettext("%(n)d e-mail done.", "%(n)d e-mails done.", n) % {"n": n},
    failed=lambda n: ngettext("%(n)d e-mail failed.", "%(n)d e-mails failed.", n) % {"n": n},
)


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
    view = lists.chosen_view(request.GET.get("view"))
    return lists.render_list(
        request,
        template="web/triage.html",
        rows=_rows(request, view),
        view=view,
        ready_count=EmailTriage.objects.visible_to(request.user).ready().count(),
        q=request.GET.get("q", ""),
    )


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


@login_required
@require_POST
def triage_link(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    kind = request.POST.get("kind", "contact")
    record_id = request.POST.get("record", "")
    record = get_record_for_user(request.user, kind, int(record_id) if record_id.isdigit() else 0)
    return lists.decide(
        request,
        SCREEN,
        row.pk,
        lambda: services.link_email(row=row, record=record, actor=request.user),
        _("The e-mail is attached to %(name)s.") % {"name": record},
    )


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
        return lists.back(request, SCREEN, row.pk)
    messages.success(request, _("The lead has been created from the e-mail."))
    if request.POST.get("next") == "list":
        return redirect("web:triage")
    return redirect("web:lead", lead_id=lead.pk)


@login_required
@require_POST
def triage_ignore(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    reason = request.POST.get("reason", "")
    return lists.decide(
        request,
        SCREEN,
        row.pk,
        lambda: services.ignore_email(row=row, actor=request.user, reason=reason),
        _("The e-mail is ignored."),
    )


@login_required
@require_POST
def triage_restore(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    return lists.decide(
        request,
        SCREEN,
        row.pk,
        lambda: services.restore_email(row=row, actor=request.user),
        _("The e-mail is no longer ignored."),
    )


@login_required
@require_POST
def triage_unlink(request: AuthenticatedHttpRequest, triage_id: int) -> HttpResponse:
    row = get_triage_for_user(request.user, triage_id, write=True)
    return lists.decide(
        request, SCREEN, row.pk, lambda: services.unlink_email(row=row, actor=request.user), ""
    )


def _bulk_act(
    request: AuthenticatedHttpRequest, action: str
) -> Callable[[EmailTriage], object] | None:
    """What the bulk action does to one row; None for an unknown action or a missing record."""
    actor, reason = request.user, request.POST.get("reason", "")
    simple: dict[str, Callable[[EmailTriage], object]] = {
        "ignore": lambda row: services.ignore_email(row=row, actor=actor, reason=reason),
        "restore": lambda row: services.restore_email(row=row, actor=actor),
        "lead": lambda row: services.create_lead_from_email(row=row, actor=actor),
    }
    if action != "attach":
        return simple.get(action)
    record = lookup_record(request, request.POST.get("record", ""))
    if record is None or isinstance(record, Conversation):
        return None
    return lambda row: services.link_email(row=row, record=record, actor=actor)


@login_required
@require_POST
def triage_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ignore, restore, create leads for or attach the chosen e-mails; a result per row."""
    writable = team_ids_for_user(request.user, write=True)
    rows = EmailTriage.objects.visible_to(request.user).filter(team_id__in=writable)
    return lists.run_bulk(
        request,
        SCREEN,
        act=_bulk_act(request, request.POST.get("action", "")),
        rows=rows.select_related("message", "message__conversation__team"),
        label=lambda row: row.message.subject or _("(no subject)"),
    )


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
