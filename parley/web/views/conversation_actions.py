"""Actions on one conversation page (issue 4): notes, workflow actions, follow, merge,
split, presence (collision detection) and the print view. Every POST fetches the
conversation through the access helper; the services refuse readers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import WRITE_ROLES, User
from parley.contacts.matching import match_address
from parley.conversations.access import get_conversation_for_user, get_message_for_user
from parley.conversations.exceptions import ConversationError
from parley.conversations.models import (
    Category,
    Conversation,
    ConversationEvent,
    Note,
    Priority,
    Queue,
    Status,
    Tag,
)
from parley.conversations.quoting import stored_reply_parts
from parley.conversations.services.records import (
    add_note,
    merge_conversations,
    others_present,
    split_message,
    touch_presence,
)
from parley.conversations.services.workflow import set_following
from parley.mail.models import Direction, Message
from parley.web.views.inbox_actions import run_bulk_action

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest


def _timeline(conversation: Conversation) -> list[tuple[str, Note | ConversationEvent]]:
    items: list[tuple[str, Note | ConversationEvent]] = [
        ("note", n) for n in conversation.notes.select_related("author")
    ]
    items += [("event", e) for e in conversation.events.select_related("actor")]
    return sorted(items, key=lambda pair: pair[1].created_at)


def _customer(
    user: User, conversation: Conversation, messages_: list[Message]
) -> dict[str, object]:
    inbound = next((m for m in messages_ if m.direction == Direction.INBOUND), None)
    address = inbound.from_address if inbound else ""
    contact = conversation.contact
    if contact is None and address:
        contact = next(iter(match_address([conversation.team_id], address)), None)
    recent = Conversation.objects.visible_to(user).listed().exclude(pk=conversation.pk)
    if contact is not None:
        recent = recent.filter(contact=contact)
    elif address:
        recent = recent.filter(messages__from_address=address).distinct()
    else:
        recent = recent.none()
    return {
        "customer_address": address,
        "customer": contact,
        "recent": list(recent.order_by("-last_activity_at", "-pk")[:3]),
    }


def conversation_extras(
    user: User, conversation: Conversation, messages_: list[Message]
) -> dict[str, object]:
    team = conversation.team_id
    return {
        "timeline": _timeline(conversation),
        "can_write": team in team_ids_for_user(user, write=True),
        "is_following": conversation.followers.filter(pk=user.pk).exists(),
        "present": others_present(user=user, conversation=conversation),
        "agents": User.objects.filter(
            memberships__team_id=team, memberships__role__in=WRITE_ROLES, is_active=True
        ),
        "assignee_ids": set(conversation.assignees.values_list("pk", flat=True)),
        "queues": Queue.objects.filter(team_id=team),
        "categories": Category.objects.filter(team_id=team),
        "tags": Tag.objects.filter(team_id=team),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        **_customer(user, conversation, messages_),
    }


@login_required
@require_POST
def conversation_note(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    item = get_conversation_for_user(request.user, conversation_id)
    try:
        add_note(actor=request.user, conversation=item, body=request.POST.get("body", ""))
    except ConversationError as error:
        messages.error(request, str(error))
    return redirect("web:conversation", item.pk)


@login_required
@require_POST
def conversation_action(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    """One workflow action (assign, status, snooze…) through the same code as bulk actions."""
    item = get_conversation_for_user(request.user, conversation_id)
    data = request.POST.copy()
    data.setlist("ids", [str(item.pk)])
    outcome = run_bulk_action(request.user, data)
    for line in outcome.summary_lines()[1:] if not outcome.error else outcome.summary_lines():
        messages.error(request, line)
    return redirect("web:conversation", item.pk)


@login_required
@require_POST
def conversation_follow(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    item = get_conversation_for_user(request.user, conversation_id)
    set_following(actor=request.user, conversation=item, follow=request.POST.get("follow") == "1")
    return redirect("web:conversation", item.pk)


@login_required
@require_POST
def conversation_merge(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    """Merge this conversation into the one with the given ticket number."""
    item = get_conversation_for_user(request.user, conversation_id)
    number = request.POST.get("number", "").lstrip("#")
    target = (
        Conversation.objects.visible_to(request.user).listed().filter(number=number).first()
        if number.isdigit()
        else None
    )
    if target is None:
        messages.error(request, _("No such conversation."))
        return redirect("web:conversation", item.pk)
    try:
        merge_conversations(actor=request.user, source=item, target=target)
    except ConversationError as error:
        messages.error(request, str(error))
        return redirect("web:conversation", item.pk)
    return redirect("web:conversation", target.pk)


@login_required
@require_POST
def message_split(request: AuthenticatedHttpRequest, message_id: int) -> HttpResponse:
    message = get_message_for_user(request.user, message_id)
    try:
        new = split_message(actor=request.user, message=message)
    except ConversationError as error:
        messages.error(request, str(error))
        return redirect("web:conversation", message.conversation_id)
    return redirect("web:conversation", new.pk)


@login_required
def conversation_presence(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    """Polled every ~10 s: record that this user is here (or replying); show the others."""
    item = get_conversation_for_user(request.user, conversation_id)
    touch_presence(
        user=request.user, conversation=item, replying=request.GET.get("replying") == "1"
    )
    context = {
        "conversation": item,
        "present": others_present(user=request.user, conversation=item),
    }
    return render(request, "web/conversation_detail.html#presence", context)


@login_required
@require_GET
def conversation_print(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    """A printable page: the chosen messages (all by default), attachments listed on request."""
    item = get_conversation_for_user(request.user, conversation_id)
    chosen = _chosen(request.GET)
    qs = item.messages.alive().order_by(F("date").asc(nulls_first=True), "pk")
    if chosen:
        qs = qs.filter(pk__in=chosen)
    rows = [
        (m, stored_reply_parts(m.text, m.reply_text)) for m in qs.prefetch_related("attachments")
    ]
    context = {
        "conversation": item,
        "rows": rows,
        "with_attachments": request.GET.get("attachments") == "1",
    }
    return render(request, "web/conversation_print.html", context)


def _chosen(params: QueryDict) -> list[int]:
    return [int(v) for v in params.getlist("messages") if v.isdigit()]
