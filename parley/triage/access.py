"""Fetch triage rows for a user: 404 for outsiders, 403 for readers' writes (STYLE.md 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from parley.accounts.access import check_team_access
from parley.triage.models import EmailTriage

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def get_triage_for_user(user: AnyUser, triage_id: int, *, write: bool = False) -> EmailTriage:
    row = (
        EmailTriage.objects.visible_to(user)
        .select_related(
            "message",
            "message__conversation",
            "message__conversation__team",
            "contact",
            "organization",
            "lead",
            "suggestion",
        )
        .filter(pk=triage_id)
        .first()
    )
    if row is None:
        raise Http404
    check_team_access(user, row.team_id, write=write)
    return row
