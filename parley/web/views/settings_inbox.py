"""Settings → Inbox (team admins and managers): queues with their default assignee,
categories, tags and the SLA targets of each priority (issue 4, CV2)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parley.accounts.models import WRITE_ROLES, Team, User
from parley.contacts.access import configurable_teams_for_user, get_configurable_team_for_user
from parley.conversations.exceptions import RefusedError
from parley.conversations.models import Category, Priority, PrioritySla, Queue, Tag
from parley.conversations.services import team_setup
from parley.web.views._auth import AuthenticatedHttpRequest

MODELS: dict[str, type[Queue] | type[Category] | type[Tag]] = {
    "queue": Queue,
    "category": Category,
    "tag": Tag,
}


def _int(data: QueryDict, name: str) -> int | None:
    value = data.get(name, "").strip()
    return int(value) if value.isdigit() else None


@login_required
def inbox_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(configurable_teams_for_user(request.user))
    if not teams:
        raise PermissionDenied
    team_param = _int(request.GET, "team")
    team = get_configurable_team_for_user(request.user, team_param) if team_param else teams[0]
    if request.method == "POST":
        try:
            _apply(team, request.POST)
            messages.success(request, _("The inbox settings were saved."))
        except RefusedError as error:
            messages.error(request, str(error))
        return redirect(f"{request.path}?team={team.pk}")
    slas = {s.priority: s for s in PrioritySla.objects.filter(team=team)}
    context = {
        "teams": teams,
        "team": team,
        "queues": Queue.objects.filter(team=team).select_related("default_assignee"),
        "categories": Category.objects.filter(team=team),
        "tags": Tag.objects.filter(team=team),
        "slas": [(value, label, slas.get(value)) for value, label in Priority.choices],
        "agents": User.objects.filter(
            memberships__team=team, memberships__role__in=WRITE_ROLES, is_active=True
        ).order_by("name", "email"),
    }
    return render(request, "web/settings_inbox.html", context)


def _apply(team: Team, data: QueryDict) -> None:
    """Carry out one form of the page: add, save or delete a row, or save an SLA."""
    section, action = data.get("section", ""), data.get("action", "")
    if section == "sla":
        priority = data.get("priority", "")
        if priority not in Priority.values:
            raise Http404
        team_setup.set_sla(
            team=team,
            priority=Priority(priority),
            first_response_minutes=_int(data, "first_response"),
            resolution_minutes=_int(data, "resolution"),
        )
        return
    model = MODELS.get(section)
    if model is None or action not in {"add", "save", "delete"}:
        raise Http404
    if action == "delete":
        row = model.objects.filter(team=team, pk=_int(data, "id") or 0).first()
        if row is None:
            raise Http404
        team_setup.delete_setting(row=row)
        return
    name, is_new = data.get("name", ""), action == "add"
    match section:
        case "queue":
            assignee_id = _int(data, "default_assignee")
            assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
            queue = None if is_new else _row(Queue, team, data)
            team_setup.save_queue(team=team, name=name, default_assignee=assignee, queue=queue)
        case "category":
            category = None if is_new else _row(Category, team, data)
            team_setup.save_category(team=team, name=name, category=category)
        case _:
            tag = None if is_new else _row(Tag, team, data)
            team_setup.save_tag(team=team, name=name, tag=tag)


def _row[T: (Queue, Category, Tag)](model: type[T], team: Team, data: QueryDict) -> T:
    row = model.objects.filter(team=team, pk=_int(data, "id") or 0).first()
    if row is None:
        raise Http404
    return row
