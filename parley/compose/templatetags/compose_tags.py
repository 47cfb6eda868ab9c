"""Template helpers for the compose entry points on the conversation page."""

from __future__ import annotations

from django import template

from parley.compose.models import OpenEvent, OutgoingMessage, State
from parley.conversations.models import Conversation
from parley.mail.models import Message

register = template.Library()


@register.simple_tag
def opens_of(message: Message) -> list[OpenEvent]:
    """Opens recorded for a message Parley sent with tracking (empty otherwise)."""
    if message.direction != "out":
        return []
    return list(OpenEvent.objects.filter(outgoing__sent_message=message))


@register.simple_tag(takes_context=True)
def pending_outgoing(
    context: template.Context, conversation: Conversation
) -> list[OutgoingMessage]:
    """The user's drafts and everything not yet sent (or in trouble) in this conversation."""
    user = context["request"].user
    rows = OutgoingMessage.objects.filter(conversation=conversation).exclude(state=State.SENT)
    return [row for row in rows if row.state != State.DRAFT or row.author_id == user.pk]
