"""Fetch calls, meetings and projects for a user: 404 for outsiders, 403 for readers' writes.

Views and API handlers load a single record only through these helpers (STYLE.md section 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from parley.accounts.access import check_team_access, get_managed_team_for_user
from parley.calls.models import Call, Meeting, MeetingProject

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def get_call_for_user(user: AnyUser, call_id: int, *, write: bool = False) -> Call:
    call = (
        Call.objects.visible_to(user)
        .select_related("contact", "lead", "conversation", "agent", "team")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise Http404
    check_team_access(user, call.team_id, write=write)
    return call


def get_meeting_for_user(user: AnyUser, meeting_id: int, *, write: bool = False) -> Meeting:
    meeting = (
        Meeting.objects.visible_to(user)
        .select_related("contact", "conversation", "agent", "project", "team")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    check_team_access(user, meeting.team_id, write=write)
    return meeting


def get_project_for_manager(user: AnyUser, project_id: int) -> MeetingProject:
    """A meeting project of a team `user` administers."""
    project = MeetingProject.objects.filter(pk=project_id).first()
    if project is None:
        raise Http404
    get_managed_team_for_user(user, project.team_id)
    return project
