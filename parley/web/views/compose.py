"""Composing and sending (issue 5): start a message (new, reply, reply all, forward), the
composer with autosave, attachments and canned responses, send with an undo countdown or at
a chosen time, the status of a sent message (opens, errors, "check"), the Scheduled list,
address suggestions, and the open-tracking pixel.

Every view fetches through parley.compose.access / parley.conversations.access (404 for
outsiders, PermissionDenied for readers who try to write) and writes through the compose
services.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import can_manage_team, check_team_access, team_ids_for_user
from parley.accounts.models import MANAGE_ROLES, Membership, Team
from parley.compose.access import (
    get_outgoing_for_user,
    get_sending_mailbox_for_user,
    get_template_for_user,
    sending_mailboxes_for_user,
)
from parley.compose.exceptions import ComposeError
from parley.compose.forms import ComposeForm, TemplateForm
from parley.compose.models import (
    Kind,
    MailboxSendingSettings,
    OutgoingAttachment,
    OutgoingMessage,
    ResponseTemplate,
    Signature,
    State,
)
from parley.compose.services import drafts, outbox, templates
from parley.compose.services.templates import fill_template
from parley.contacts.models import ContactEmail
from parley.conversations.access import get_conversation_for_user, get_message_for_user
from parley.mail.models import Mailbox

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

SUGGESTIONS = 8


def _composer(outgoing: OutgoingMessage) -> HttpResponse:
    return redirect("web:compose", outgoing.pk)


@login_required
@require_POST
def compose_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "New conversation" (header button, contact card: `to`, search results)."""
    mailbox_id = request.POST.get("mailbox") or request.GET.get("mailbox")
    try:
        if mailbox_id and mailbox_id.isdigit():
            mailbox: Mailbox | None = get_sending_mailbox_for_user(request.user, int(mailbox_id))
        else:
            mailbox = sending_mailboxes_for_user(request.user).order_by("name").first()
    except PermissionDenied:
        mailbox = None
    if mailbox is None:
        return _no_sending_mailbox(request)
    to = [a for a in (request.POST.get("to") or request.GET.get("to", "")).split(",") if a]
    return _composer(drafts.start_new_conversation(user=request.user, mailbox=mailbox, to=to))


def _no_sending_mailbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Why "New conversation" cannot start, and who can change that (403).

    A reader may not write at all; an agent needs an active mailbox of a team where they
    write. Managers are sent to Settings → Mailboxes; everyone else is told whom to ask.
    """
    user = request.user
    writing = team_ids_for_user(user, write=True)
    paused = Mailbox.objects.visible_to(user).filter(team_id__in=writing, is_active=False)
    managed = [team_id for team_id in writing if can_manage_team(user, team_id)]
    managers = (
        Membership.objects.filter(team_id__in=team_ids_for_user(user), role__in=MANAGE_ROLES)
        .filter(user__is_active=True)
        .exclude(user_id=user.pk)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    context = {
        "reader": not writing,
        "paused": list(paused.order_by("name")),
        "can_manage": bool(managed),
        "managers": list(dict.fromkeys(m.user.display_name for m in managers)),
    }
    return render(request, "web/compose_unavailable.html", context, status=403)


@login_required
@require_POST
def compose_reply(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_conversation_for_user(request.user, conversation_id)
    check_team_access(request.user, conversation.team_id, write=True)
    kind = request.POST.get("kind", Kind.REPLY)
    if kind not in Kind.values or kind == Kind.NEW:
        raise Http404
    message_id = request.POST.get("message", "")
    parent = get_message_for_user(request.user, int(message_id)) if message_id.isdigit() else None
    if parent is not None and parent.conversation_id != conversation.pk:
        raise Http404
    if kind == Kind.FORWARD and parent is None:
        draft = drafts.start_forward_conversation(
            user=request.user,
            conversation=conversation,
            include_notes=request.POST.get("notes") == "1",
        )
    else:
        draft = drafts.start_reply(
            user=request.user, conversation=conversation, parent=parent, kind=Kind(kind)
        )
    return _composer(draft)


def _form(request: AuthenticatedHttpRequest, outgoing: OutgoingMessage) -> ComposeForm:
    mailboxes = sending_mailboxes_for_user(request.user).filter(team_id=outgoing.team_id)
    data = request.POST if request.method == "POST" else None
    return ComposeForm(data, outgoing=outgoing, mailboxes=mailboxes)


def rich_editor_installed() -> bool:
    """Whether `make install` could fetch the editor (it needs npm); else a plain textarea."""
    return finders.find("compose/vendor/trix.umd.min.js") is not None


def _body_html(data: dict[str, Any]) -> str:
    if data.get("body_text"):
        return linebreaks(data["body_text"], autoescape=True)
    return str(data["body_html"])


def _changes(form: ComposeForm) -> drafts.DraftChanges:
    data = form.cleaned_data
    return drafts.DraftChanges(
        mailbox=data.get("mailbox"),
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        subject=data["subject"],
        body_html=_body_html(data),
        queue=data.get("queue"),
        track_opens=data["track_opens"],
    )


def _templates(
    request: AuthenticatedHttpRequest, outgoing: OutgoingMessage
) -> list[ResponseTemplate]:
    return list(ResponseTemplate.objects.usable_by(request.user).filter(team_id=outgoing.team_id))


@login_required
@never_cache
def compose(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    """The composer for a draft; the status page (countdown, opens, errors) otherwise."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id)
    if not outgoing.is_editable:
        return _status(request, outgoing)
    context = {
        "outgoing": outgoing,
        "form": _form(request, outgoing),
        "templates": _templates(request, outgoing),
        "max_mb": drafts.max_attachment_bytes() // (1024 * 1024),
        "rich_editor": rich_editor_installed(),
    }
    return render(request, "web/compose.html", context)


def _status(request: AuthenticatedHttpRequest, outgoing: OutgoingMessage) -> HttpResponse:
    remaining = 0
    if outgoing.state == State.WAITING and outgoing.send_at is not None:
        remaining = max(0, int((outgoing.send_at - timezone.now()).total_seconds()) + 1)
    context = {
        "outgoing": outgoing,
        "remaining": remaining,
        "opens": list(outgoing.opens.all()),
        "customer_replied": outgoing.is_scheduled and drafts.customer_replied_since(outgoing),
        "can_write": outgoing.team_id in team_ids_for_user(request.user, write=True),
    }
    template = "web/compose_status.html#status" if request.htmx else "web/compose_status.html"
    return render(request, template, context)


@login_required
@require_POST
def compose_save(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    """Autosave (htmx): answers with the small "saved at" note."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    form = _form(request, outgoing)
    if not form.is_valid():
        return render(request, "web/compose.html#saved", {"error": _("Not saved.")})
    try:
        drafts.update_draft(outgoing=outgoing, changes=_changes(form))
    except ComposeError as exc:
        return render(request, "web/compose.html#saved", {"error": str(exc)})
    return render(request, "web/compose.html#saved", {"saved_at": timezone.now()})


@login_required
@require_POST
def compose_send(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    form = _form(request, outgoing)
    error = ""
    if form.is_valid():
        send_at: datetime | None = form.cleaned_data.get("send_at")
        try:
            drafts.update_draft(outgoing=outgoing, changes=_changes(form))
            drafts.queue_message(outgoing=outgoing, user=request.user, send_at=send_at)
        except ComposeError as exc:
            error = str(exc)
        else:
            return redirect("web:compose", outgoing.pk)
    outgoing.refresh_from_db()
    context = {
        "outgoing": outgoing,
        "form": form,
        "error": error,
        "templates": _templates(request, outgoing),
        "max_mb": drafts.max_attachment_bytes() // (1024 * 1024),
        "rich_editor": rich_editor_installed(),
    }
    return render(request, "web/compose.html", context, status=400)


@login_required
@require_POST
def compose_undo(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    """Undo during the countdown, or take a scheduled message back to edit or cancel it."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    try:
        drafts.undo_send(outgoing=outgoing)
    except ComposeError as exc:
        messages.error(request, str(exc))
    return redirect("web:compose", outgoing.pk)


@login_required
@require_POST
def compose_discard(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    conversation_id = outgoing.conversation_id
    drafts.delete_draft(outgoing=outgoing)
    messages.success(request, _("Draft discarded."))
    if conversation_id is not None:
        return redirect("web:conversation", conversation_id)
    return redirect("web:compose_scheduled")


@login_required
@require_POST
def compose_fix(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    """A failed message: edit it again, or retry it; a message in check: resolve it."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    action = request.POST.get("action", "")
    try:
        if action == "edit":
            drafts.return_to_draft(outgoing=outgoing)
        elif action == "retry":
            outbox.retry_failed(outgoing=outgoing)
        elif action in {"delivered", "resend"}:
            outbox.resolve_check(outgoing=outgoing, delivered=action == "delivered")
        else:
            raise Http404
    except ComposeError as exc:
        messages.error(request, str(exc))
    return redirect("web:compose", outgoing.pk)


@login_required
@require_POST
def compose_attach(request: AuthenticatedHttpRequest, outgoing_id: int) -> HttpResponse:
    """Upload (file input or drag and drop); answers with the attachment list."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    errors = []
    for upload in request.FILES.getlist("files"):
        if upload.size is not None and upload.size > drafts.max_attachment_bytes():
            errors.append(
                _("%(name)s is too large: files may be at most %(limit)d MB.")
                % {"name": upload.name, "limit": drafts.max_attachment_bytes() // (1024 * 1024)}
            )
            continue
        try:
            drafts.add_attachment(
                outgoing=outgoing,
                filename=upload.name or "",
                content_type=upload.content_type or "",
                data=upload.read(),
            )
        except ComposeError as exc:
            errors.append(str(exc))
    context = {"outgoing": outgoing, "attach_errors": errors}
    return render(request, "web/compose.html#attachments", context, status=400 if errors else 200)


@login_required
@require_POST
def compose_detach(
    request: AuthenticatedHttpRequest, outgoing_id: int, attachment_id: int
) -> HttpResponse:
    outgoing = get_outgoing_for_user(request.user, outgoing_id, write=True)
    attachment = OutgoingAttachment.objects.filter(outgoing=outgoing, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        drafts.remove_attachment(attachment=attachment)
    except ComposeError as exc:
        return render(
            request,
            "web/compose.html#attachments",
            {"outgoing": outgoing, "attach_errors": [str(exc)]},
        )
    return render(request, "web/compose.html#attachments", {"outgoing": outgoing})


@login_required
@require_GET
def compose_template(
    request: AuthenticatedHttpRequest, outgoing_id: int, template_id: int
) -> JsonResponse:
    """A canned response filled in for this message, for the editor to insert."""
    outgoing = get_outgoing_for_user(request.user, outgoing_id)
    template = get_template_for_user(request.user, template_id)
    filled = fill_template(
        template=template,
        agent=request.user,
        conversation=outgoing.conversation,
        mailbox=outgoing.mailbox,
    )
    return JsonResponse(
        {"subject": filled.subject, "body_html": filled.body_html, "unknown": filled.unknown}
    )


@login_required
@require_GET
def compose_addresses(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Address suggestions from the contacts the user can see (read only)."""
    query = request.GET.get("q", "").strip()
    if len(query) < 2:
        return JsonResponse({"results": []})
    rows = (
        ContactEmail.objects.filter(team_id__in=team_ids_for_user(request.user))
        .filter(
            Q(address__istartswith=query)
            | Q(contact__first_name__istartswith=query)
            | Q(contact__last_name__istartswith=query)
        )
        .select_related("contact")
        .order_by("address")[:SUGGESTIONS]
    )
    results = [{"address": row.address, "name": row.contact.full_name} for row in rows]
    return JsonResponse({"results": results})


@login_required
def compose_scheduled(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "Scheduled" folder, with what needs attention (failed, check) and the user's own
    drafts above it."""
    visible = OutgoingMessage.objects.visible_to(request.user).select_related(
        "conversation", "author", "mailbox"
    )
    scheduled = list(visible.scheduled().order_by("send_at"))
    for item in scheduled:
        item.customer_replied = drafts.customer_replied_since(item)  # type: ignore[attr-defined]  # shown in the list
    context = {
        "scheduled": scheduled,
        "problems": list(visible.filter(state__in=[State.FAILED, State.CHECK])[:100]),
        "drafts": list(visible.filter(state=State.DRAFT, author=request.user)[:100]),
    }
    return render(request, "web/compose_scheduled.html", context)


# A transparent 1x1 GIF; no session, no IP stored (CO5).
@never_cache
def compose_pixel(request: HttpRequest, token: str) -> HttpResponse:
    # Agents looking at the conversation in Parley are not the customer opening it.
    if not request.user.is_authenticated:
        outbox.record_open(token=token, user_agent=request.headers.get("User-Agent", ""))
    return HttpResponse(outbox.TRANSPARENT_GIF, content_type="image/gif")


# Canned responses and signatures (settings of the composer).


@login_required
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's canned responses (shared and personal); a form adds one."""
    teams = Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True))
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team_id = request.POST.get("team", "")
        team = (teams.filter(pk=int(team_id)).first() if team_id.isdigit() else None) or (
            teams.first()
        )
        if team is None:
            raise PermissionDenied
        try:
            templates.create_template(
                team=team,
                owner=request.user if form.cleaned_data["personal"] else None,
                name=form.cleaned_data["name"],
                subject=form.cleaned_data["subject"],
                body_html=form.cleaned_data["body_html"],
            )
        except ComposeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("web:compose_templates")
    query = request.GET.get("q", "").strip()
    rows = ResponseTemplate.objects.usable_by(request.user).select_related("team", "owner")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(body_html__icontains=query))
    context = {"templates": rows, "form": form, "teams": teams, "q": query}
    return render(request, "web/compose_templates.html", context)


@login_required
def template_edit(request: AuthenticatedHttpRequest, template_id: int) -> HttpResponse:
    template = get_template_for_user(request.user, template_id, write=True)
    form = TemplateForm(request.POST or None, instance=template)
    form.fields["personal"].initial = template.owner_id is not None
    if request.method == "POST" and request.POST.get("delete") == "1":
        templates.delete_template(template=template)
        messages.success(request, _("Template deleted."))
        return redirect("web:compose_templates")
    if request.method == "POST" and form.is_valid():
        try:
            templates.update_template(
                template=template,
                name=form.cleaned_data["name"],
                subject=form.cleaned_data["subject"],
                body_html=form.cleaned_data["body_html"],
            )
        except ComposeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("web:compose_templates")
    return render(request, "web/compose_template_form.html", {"form": form, "template": template})


@login_required
def signatures(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's signature for every mailbox and per mailbox."""
    mailboxes = list(sending_mailboxes_for_user(request.user).order_by("name"))
    if request.method == "POST":
        for mailbox in [None, *mailboxes]:
            key = f"signature_{mailbox.pk if mailbox else 'all'}"
            if key in request.POST:
                templates.set_signature(
                    user=request.user, mailbox=mailbox, body_html=request.POST[key]
                )
        messages.success(request, _("Signatures saved."))
        return redirect("web:compose_signatures")
    current = {s.mailbox_id: s.body_html for s in Signature.objects.filter(user=request.user)}
    rows = [("all", _("Every mailbox"), current.get(None, ""))]
    rows += [(str(m.pk), str(m), current.get(m.pk, "")) for m in mailboxes]
    return render(request, "web/compose_signatures.html", {"rows": rows})


@login_required
def mailbox_defaults(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Sending defaults of the mailboxes the user manages (open tracking, signature)."""
    managed = [
        m
        for m in Mailbox.objects.filter(team_id__in=team_ids_for_user(request.user))
        if can_manage_team(request.user, m.team_id)
    ]
    if request.method == "POST":
        for mailbox in managed:
            if f"signature_{mailbox.pk}" in request.POST:
                templates.set_mailbox_defaults(
                    mailbox=mailbox,
                    track_opens=request.POST.get(f"track_{mailbox.pk}") == "on",
                    signature_html=request.POST[f"signature_{mailbox.pk}"],
                )
        messages.success(request, _("Mailbox defaults saved."))
        return redirect("web:compose_mailbox_defaults")
    current = {
        row.mailbox_id: row for row in MailboxSendingSettings.objects.filter(mailbox__in=managed)
    }
    rows = [(m, current.get(m.pk)) for m in managed]
    return render(request, "web/compose_mailbox_defaults.html", {"rows": rows})
