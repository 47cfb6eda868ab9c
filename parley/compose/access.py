"""Fetch outgoing messages, templates and sending mailboxes for a user.

Outsiders get 404 (existence is not revealed); team members who may only read get
PermissionDenied when they try to write. Sending needs a writing role (agent or above) in
the mailbox's team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.access import check_team_access, team_ids_for_user
from parley.compose.models import OutgoingMessage, ResponseTemplate
from parley.mail.models import Mailbox, MailboxQuerySet

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def sending_mailboxes_for_user(user: AnyUser) -> MailboxQuerySet:
    """Active mailboxes the user may send from (a writing role in the mailbox's team)."""
    return Mailbox.objects.filter(team_id__in=team_ids_for_user(user, write=True), is_active=True)


def get_sending_mailbox_for_user(user: AnyUser, mailbox_id: int) -> Mailbox:
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise Http404
    check_team_access(user, mailbox.team_id, write=True)
    if not mailbox.is_active:
        raise PermissionDenied
    return mailbox


def get_outgoing_for_user(user: AnyUser, pk: int, *, write: bool = False) -> OutgoingMessage:
    """An outgoing message of one of the user's teams.

    Drafts are personal: another agent's draft is a 404. Anything queued or sent is visible
    to the team; `write=True` needs a writing role.
    """
    item = (
        OutgoingMessage.objects.visible_to(user)
        .select_related("mailbox", "conversation", "parent", "queue", "author")
        .filter(pk=pk)
        .first()
    )
    if item is None or (item.is_editable and item.author_id != user.pk):
        raise Http404
    check_team_access(user, item.team_id, write=write)
    return item


def get_template_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ResponseTemplate:
    item = ResponseTemplate.objects.usable_by(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    check_team_access(user, item.team_id, write=write)
    return item
