"""Template helpers of e-mail triage: the "Add customer" panel of the conversation page."""

from __future__ import annotations

from typing import Any

from django import template

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import User
from parley.conversations.models import Conversation
from parley.triage.customers import conversation_sender

register = template.Library()


@register.inclusion_tag("web/partials/triage_customer.html")
def triage_customer_panel(user: User, conversation: Conversation) -> dict[str, Any]:
    name, address = conversation_sender(conversation)
    first, _sep, last = name.strip().rpartition(" ")
    return {
        "conversation": conversation,
        "sender_name": name,
        "sender_address": address,
        "first_name": first or last,
        "last_name": last if first else "",
        "can_write": conversation.team_id in team_ids_for_user(user, write=True),
        "found": [],
    }
