"""Calls: the triage list (Ready by default), the call card with its actions, logging a call by
hand, click-to-call, the live caller-identification notice, and Settings → Telephony."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import (
    get_managed_team_for_user,
    get_team_for_user,
    managed_teams_for_user,
    team_ids_for_user,
)
from parley.accounts.models import Team, User
from parley.calls.access import get_call_for_user, get_project_for_manager
from parley.calls.exceptions import CallsError
from parley.calls.forms import LogCallForm
from parley.calls.models import (
    AgentExtension,
    Call,
    Direction,
    Meeting,
    MeetingProject,
    Result,
    Triage,
)
from parley.calls.queries import CallFilters, filter_calls
from parley.calls.services import calls as services
from parley.calls.services import setup
from parley.contacts.access import get_contact_for_user
from parley.contacts.models import Contact
from parley.contacts.queries import ContactFilters, filter_contacts
from parley.conversations.models import Conversation

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50
VIEWS = {"ready": Triage.READY, "linked": Triage.LINKED, "ignored": Triage.IGNORED, "all": None}
# A ringing call older than this is stale (the PBX never reported its end): no pop-up.
LIVE_WINDOW = timedelta(minutes=15)


def _day(request: AuthenticatedHttpRequest, name: str, *, end: bool = False) -> datetime | None:
    day = parse_date(request.GET.get(name, "") or "")
    if day is None:
        return None
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def _filters(request: AuthenticatedHttpRequest) -> tuple[str, CallFilters]:
    view = request.GET.get("view", "ready")
    view = view if view in VIEWS else "ready"
    agent = request.GET.get("agent", "")
    filters = CallFilters(
        triage=VIEWS[view],
        direction=request.GET.get("direction") or None,
        result=request.GET.get("result") or None,
        agent=int(agent) if agent.isdigit() else None,
        since=_day(request, "since"),
        until=_day(request, "until", end=True),
    )
    return view, filters


@login_required
def call_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    view, filters = _filters(request)
    team_ids = team_ids_for_user(request.user)
    calls = filter_calls(Call.objects.for_teams(team_ids), filters)
    calls = calls.select_related("contact", "lead", "agent").prefetch_related("candidates")
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "view": view,
        "filters": filters,
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
        "directions": Direction.choices,
        "results": Result.choices,
        "agents": User.objects.filter(memberships__team_id__in=team_ids).distinct(),
        "ready_count": Call.objects.for_teams(team_ids).filter(triage=Triage.READY).count(),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
    }
    template = "web/call_list.html#results" if request.htmx else "web/call_list.html"
    return render(request, template, context)


def _card_context(request: AuthenticatedHttpRequest, call: Call) -> dict[str, object]:
    query = request.GET.get("q", "").strip()
    found: list[Contact] = []
    if query:
        team_contacts = Contact.objects.for_teams([call.team_id])
        found = list(filter_contacts(team_contacts, ContactFilters(q=query), request.user)[:20])
    return {
        "call": call,
        "candidates": call.candidates.all(),
        "query": query,
        "found": found,
        "can_write": call.team_id in team_ids_for_user(request.user, write=True),
        "other_calls": Call.objects.filter(team_id=call.team_id, from_e164=call.party_e164)
        .exclude(pk=call.pk)
        .exclude(from_e164="")[:5],
    }


@login_required
def call_detail(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id)
    context = _card_context(request, call)
    template = "web/call_detail.html#search" if request.htmx else "web/call_detail.html"
    return render(request, template, context)


def _back(request: AuthenticatedHttpRequest, call: Call) -> HttpResponse:
    """To the list the action came from (triage goes row by row), else to the card."""
    if request.POST.get("next") == "list":
        return redirect("web:calls")
    return redirect("web:call", call_id=call.pk)


@login_required
@require_POST
def call_link(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    contact_id = request.POST.get("contact", "")
    contact = get_contact_for_user(request.user, int(contact_id) if contact_id.isdigit() else 0)
    try:
        services.link_call(call=call, contact=contact, actor=request.user)
    except CallsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The call is linked to %(name)s.") % {"name": contact})
    return _back(request, call)


@login_required
@require_POST
def call_create_contact(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    try:
        contact = services.create_contact_from_call(
            call=call,
            actor=request.user,
            first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""),
        )
    except CallsError as error:
        messages.error(request, str(error))
        return _back(request, call)
    messages.success(request, _("The contact has been created; complete its details."))
    return redirect("web:contact_edit", contact_id=contact.pk)


@login_required
@require_POST
def call_create_lead(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    try:
        lead = services.create_lead_from_call(
            call=call, actor=request.user, name=request.POST.get("name", "")
        )
    except CallsError as error:
        messages.error(request, str(error))
        return _back(request, call)
    messages.success(request, _("The lead has been created; complete its details."))
    return redirect("web:lead_edit", lead_id=lead.pk)


@login_required
@require_POST
def call_ignore(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    services.ignore_call(call=call, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("The call is ignored."))
    return _back(request, call)


@login_required
@require_POST
def call_restore(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    services.restore_call(call=call, actor=request.user)
    messages.success(request, _("The call is no longer ignored."))
    return _back(request, call)


@login_required
@require_POST
def call_unlink(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    services.unlink_call(call=call, actor=request.user)
    return _back(request, call)


@login_required
@require_POST
def call_conversation(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    """Link the call to the conversation with this number (#1234), or unlink with none."""
    call = get_call_for_user(request.user, call_id, write=True)
    number = request.POST.get("number", "").strip().lstrip("#")
    conversation = None
    if number:
        visible = Conversation.objects.visible_to(request.user).filter(team_id=call.team_id)
        conversation = visible.filter(number=int(number)).first() if number.isdigit() else None
        if conversation is None:
            messages.error(request, _("No conversation #%(number)s.") % {"number": number})
            return _back(request, call)
    services.set_call_conversation(call=call, conversation=conversation)
    return _back(request, call)


def _writable_teams(request: AuthenticatedHttpRequest) -> list[Team]:
    teams = list(Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True)))
    if not teams:
        raise PermissionDenied
    return teams


@login_required
def call_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = _writable_teams(request)
    initial = {"number": request.GET.get("number", ""), "started_at": timezone.localtime()}
    form = LogCallForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = services.log_call(
                team=data["team"],
                actor=request.user,
                direction=Direction(data["direction"]),
                number=data["number"],
                started_at=data["started_at"],
                duration=data["duration_minutes"] * 60,
                result=Result(data["result"]),
                note=data["note"],
            )
        except CallsError as error:
            form.add_error("number", str(error))
        else:
            messages.success(request, _("The call has been logged."))
            return redirect("web:call", call_id=call.pk)
    return render(request, "web/call_form.html", {"form": form})


@login_required
@require_POST
def call_dial(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Click-to-call: ask the team's PBX to ring the agent's phone and dial the number."""
    team_id = request.POST.get("team", "")
    team = get_team_for_user(request.user, int(team_id) if team_id.isdigit() else 0, write=True)
    try:
        setup.request_outbound_call(team=team, user=request.user, number=request.POST["number"])
    except CallsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your phone will ring; pick it up to be connected."))
    return redirect(request.POST.get("back") or "web:calls")


@login_required
@require_GET
def call_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The polled notice: calls ringing for me (or nobody in particular), due meetings."""
    since = timezone.now() - LIVE_WINDOW
    team_ids = team_ids_for_user(request.user)
    mine = Q(agent=request.user) | Q(agent__isnull=True, team_id__in=team_ids)
    calls = Call.objects.live().filter(mine, started_at__gte=since)
    meetings = Meeting.objects.filter(
        agent=request.user,
        reminded_at__isnull=False,
        reminder_dismissed_at__isnull=True,
        window_end__gte=timezone.now(),
    )
    context = {
        "live_calls": calls.select_related("contact", "contact__organization")[:3],
        "due_meetings": meetings.select_related("contact")[:3],
    }
    return render(request, "web/call_live.html", context)


# Settings → Telephony


def _settings_row(team: Team) -> dict[str, object]:
    extensions = {ext.user_id: ext.extension for ext in AgentExtension.objects.filter(team=team)}
    members = team.members.order_by("name", "email")
    return {
        "team": team,
        "settings": setup.call_settings_for(team),
        "members": [(member, extensions.get(member.pk, "")) for member in members],
        "projects": MeetingProject.objects.filter(team=team),
    }


@login_required
def call_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(managed_teams_for_user(request.user))
    if not teams:
        raise PermissionDenied
    rows = [_settings_row(team) for team in teams]
    return render(request, "web/call_settings.html", {"rows": rows})


@login_required
@require_POST
def call_settings_update(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = get_managed_team_for_user(request.user, team_id)
    action = request.POST.get("action", "")
    try:
        if action == "rotate":
            setup.rotate_webhook_secret(team=team)
        elif action == "outbound":
            setup.set_outbound_url(team=team, url=request.POST.get("outbound_url", ""))
        elif action == "extension":
            member = team.members.filter(pk=request.POST.get("user") or 0).first()
            if member is None:
                raise CallsError(_("Choose a member of the team."))
            setup.set_agent_extension(
                team=team, user=member, extension=request.POST.get("extension", "")
            )
        elif action == "project":
            setup.add_meeting_project(team=team, name=request.POST.get("name", ""))
    except CallsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The telephony settings have been saved."))
    return redirect("web:call_settings")


@login_required
@require_POST
def call_project_remove(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    project = get_project_for_manager(request.user, project_id)
    setup.remove_meeting_project(project=project)
    return redirect("web:call_settings")
