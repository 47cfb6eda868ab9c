"""The "Calls" panel of a conversation page (issue 7, PRODUCT CL/CV "link a call from today to
a ticket"): the calls linked to the conversation, and for writers a picker of the last week's
calls that match the customer's numbers or are not linked yet, plus link and unlink. Both
go through the call card's service, which leaves a system comment on the conversation."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.calls.access import get_call_for_user
from parley.calls.exceptions import CallsError
from parley.calls.models import Call, CallQuerySet, Direction
from parley.calls.services import calls as call_services
from parley.conversations.access import get_conversation_for_user

if TYPE_CHECKING:
    from parley.accounts.models import User
    from parley.conversations.models import Conversation
    from parley.web.views._auth import AuthenticatedHttpRequest

# How far back the picker looks, and how many calls it offers.
PICK_DAYS = 7
PICK_LIMIT = 20


def _customer_numbers(conversation: Conversation) -> list[str]:
    contact = conversation.contact
    if contact is None:
        return []
    return [n for n in contact.phones.values_list("e164", flat=True) if n]


def linkable_calls(user: User, conversation: Conversation) -> CallQuerySet:
    """Calls of the last week the user may see in the conversation's team that match the
    customer's numbers or belong to no conversation yet; newest (today's) first."""
    numbers = _customer_numbers(conversation)
    matches = Q(conversation__isnull=True)
    if numbers:
        matches |= Q(from_e164__in=numbers, direction=Direction.INBOUND) | Q(
            to_e164__in=numbers, direction=Direction.OUTBOUND
        )
    since = timezone.now() - timedelta(days=PICK_DAYS)
    return (
        Call.objects.visible_to(user)
        .filter(team_id=conversation.team_id, started_at__gte=since)
        .filter(matches)
        .exclude(conversation_id=conversation.pk)
        .select_related("agent", "contact", "conversation")
        .order_by("-started_at", "-pk")
    )


def calls_panel(user: User, conversation: Conversation) -> dict[str, object]:
    """The panel's context: linked calls for every member, the picker for writers."""
    linked = (
        Call.objects.visible_to(user)
        .filter(conversation_id=conversation.pk)
        .select_related("agent")
        .order_by("-started_at", "-pk")
    )
    can_link = conversation.team_id in team_ids_for_user(user, write=True)
    today = timezone.localdate()
    pick = list(linkable_calls(user, conversation)[:PICK_LIMIT]) if can_link else []
    return {
        "linked_calls": list(linked),
        "linkable_calls": [(call, timezone.localdate(call.started_at) == today) for call in pick],
        "can_link_calls": can_link,
    }


@login_required
@require_POST
def conversation_call_link(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    """Link the chosen call (`call`, an id) to this conversation."""
    item = get_conversation_for_user(request.user, conversation_id, write=True)
    chosen = request.POST.get("call", "")
    call = get_call_for_user(request.user, int(chosen) if chosen.isdigit() else 0, write=True)
    try:
        call_services.set_call_conversation(call=call, conversation=item, actor=request.user)
    except CallsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The call has been linked to this conversation."))
    return redirect("web:conversation", item.pk)


@login_required
@require_POST
def conversation_call_unlink(
    request: AuthenticatedHttpRequest, conversation_id: int, call_id: int
) -> HttpResponse:
    """Take a call off this conversation (it stays in the calls list)."""
    item = get_conversation_for_user(request.user, conversation_id, write=True)
    call = get_call_for_user(request.user, call_id, write=True)
    if call.conversation_id == item.pk:
        call_services.set_call_conversation(call=call, conversation=None, actor=request.user)
        messages.success(request, _("The call has been unlinked from this conversation."))
    return redirect("web:conversation", item.pk)
