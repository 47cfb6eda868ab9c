"""Fetching mailboxes for a user: 404 for outsiders, PermissionDenied for members who may
see a mailbox but not change it (only team admins and managers manage mailboxes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.access import can_manage_team, check_team_access
from parley.mail.models import Mailbox

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def get_mailbox_for_user(user: AnyUser, mailbox_id: int, *, manage: bool = False) -> Mailbox:
    mailbox = Mailbox.objects.select_related("team").filter(pk=mailbox_id).first()
    if mailbox is None:
        raise Http404
    check_team_access(user, mailbox.team_id)
    if manage and not can_manage_team(user, mailbox.team_id):
        raise PermissionDenied
    return mailbox
