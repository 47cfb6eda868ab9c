"""Fetch conversations and their messages for a user: 404 for outsiders.

Views and API handlers fetch team data only through these helpers (STYLE.md section 4).
Reading is open to every member of the conversation's team, readers included; with
``write=True`` a reader gets PermissionDenied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.access import team_ids_for_user
from parley.conversations.models import Conversation
from parley.mail.models import Attachment, Mailbox, Message

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def get_conversation_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Conversation:
    conversation = Conversation.objects.visible_to(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    if write and conversation.team_id not in team_ids_for_user(user, write=True):
        raise PermissionDenied
    return conversation


def get_message_for_user(user: AnyUser, pk: int) -> Message:
    message = Message.objects.visible_to(user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def get_attachment_for_user(user: AnyUser, pk: int) -> Attachment:
    visible = Message.objects.visible_to(user)
    attachment = Attachment.objects.filter(pk=pk, message__in=visible).first()
    if attachment is None:
        raise Http404
    return attachment


def get_mailbox_for_user(user: AnyUser, pk: int) -> Mailbox:
    mailbox = Mailbox.objects.visible_to(user).filter(pk=pk).first()
    if mailbox is None:
        raise Http404
    return mailbox
