"""Calls: the triage list (Ready by default), the call card with its actions, logging a call by
hand, click-to-call, the live caller-identification notice, and Settings → Telephony."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
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
from parley.contacts.access import get_contact_for_user, get_lead_for_user
from parley.contacts.models import Contact, Lead
from parley.contacts.queries import ContactFilters, LeadFilters, filter_contacts, filter_leads
from parley.conversations.models import Conversation
from parley.web.views import _triage_lists as lists
from parley.web.views.triage_lookup import lookup_record

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

VIEWS = {"ready": Triage.READY, "linked": Triage.LINKED, "ignored": Triage.IGNORED, "all": None}
SCREEN = lists.Screen(
    list_name="web:calls",
    card_name="web:call",
    errors=(CallsError,),
    refused=gettext_lazy("Choose calls, an action and, to attach, a record."),
    done=lambda n: ngettext("%(n)d call done.", "%(n)d calls done.", n) % {"n": n},
    failed=lambda n: ngettext("%(n)d call failed.", "%(n)d calls failed.", n) % {"n": n},
)
# A ringing call older than this is stale (the PBX never reported its end): no pop-up.
LIVE_WINDOW = timedelta(minutes=15)


def _day(request: AuthenticatedHttpRequest, name: str, *, end: bool = False) -> datetime | None:
    day = parse_date(request.GET.get(name, "") or "")
    if day is None:
        return None
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def _filters(request: AuthenticatedHttpRequest) -> tuple[str, CallFilters]:
    view = lists.chosen_view(request.GET.get("view"))
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
    return lists.render_list(
        request,
        template="web/call_list.html",
        rows=calls.select_related("contact", "lead", "agent").prefetch_related(
            "candidates", "lead_candidates"
        ),
        view=view,
        ready_count=Call.objects.for_teams(team_ids).filter(triage=Triage.READY).count(),
        filters=filters,
        since=request.GET.get("since", ""),
        until=request.GET.get("until", ""),
        directions=Direction.choices,
        results=Result.choices,
        agents=User.objects.filter(memberships__team_id__in=team_ids).distinct(),
    )


@login_required
@require_GET
def call_count(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Ready counter of the navigation's Calls link, loaded and refreshed by htmx."""
    count = Call.objects.for_teams(team_ids_for_user(request.user)).filter(triage=Triage.READY)
    context = {
        "count": count.count(),
        "testid": "nav-call-count",
        "title": _("Calls ready for triage"),
    }
    return render(request, "web/partials/triage_count.html", context)


def _card_context(request: AuthenticatedHttpRequest, call: Call) -> dict[str, object]:
    query = request.GET.get("q", "").strip()
    found: list[Contact] = []
    found_leads: list[Lead] = []
    if query:
        team_contacts = Contact.objects.visible_to(request.user).filter(team_id=call.team_id)
        found = list(filter_contacts(team_contacts, ContactFilters(q=query), request.user)[:20])
        leads = Lead.objects.visible_to(request.user).filter(team_id=call.team_id).open()
        found_leads = list(filter_leads(leads, LeadFilters(q=query), request.user)[:20])
    return {
        "found_leads": found_leads,
        "call": call,
        "candidates": call.candidates.all(),
        "lead_candidates": call.lead_candidates.all(),
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


@login_required
@require_POST
def call_link(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    """Attach the call to a contact (`contact`) or to a lead (`lead`) of its team."""
    call = get_call_for_user(request.user, call_id, write=True)
    lead_id = request.POST.get("lead", "")
    if lead_id:
        lead = get_lead_for_user(request.user, int(lead_id) if lead_id.isdigit() else 0)
        return lists.decide(
            request,
            SCREEN,
            call.pk,
            lambda: services.link_call_to_lead(call=call, lead=lead, actor=request.user),
            _("The call is linked to %(name)s.") % {"name": lead},
        )
    contact_id = request.POST.get("contact", "")
    contact = get_contact_for_user(request.user, int(contact_id) if contact_id.isdigit() else 0)
    return lists.decide(
        request,
        SCREEN,
        call.pk,
        lambda: services.link_call(call=call, contact=contact, actor=request.user),
        _("The call is linked to %(name)s.") % {"name": contact},
    )


@login_required
@require_POST
def call_create_contact(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    """Create a contact from the call and open its form; a mistake goes back where the form
    was posted (the list with `next=list`, else the card) with the message."""
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
        return lists.back(request, SCREEN, call.pk)
    messages.success(request, _("The contact has been created; complete its details."))
    return redirect("web:contact_edit", contact_id=contact.pk)


@login_required
@require_POST
def call_create_lead(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    """Create a lead from the call and open its form; a mistake goes back where the form was
    posted (the list with `next=list`, else the card) with the message."""
    call = get_call_for_user(request.user, call_id, write=True)
    try:
        lead = services.create_lead_from_call(
            call=call, actor=request.user, name=request.POST.get("name", "")
        )
    except CallsError as error:
        messages.error(request, str(error))
        return lists.back(request, SCREEN, call.pk)
    messages.success(request, _("The lead has been created; complete its details."))
    return redirect("web:lead_edit", lead_id=lead.pk)


@login_required
@require_POST
def call_ignore(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    reason = request.POST.get("reason", "")
    return lists.decide(
        request,
        SCREEN,
        call.pk,
        lambda: services.ignore_call(call=call, actor=request.user, reason=reason),
        _("The call is ignored."),
    )


@login_required
@require_POST
def call_restore(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    return lists.decide(
        request,
        SCREEN,
        call.pk,
        lambda: services.restore_call(call=call, actor=request.user),
        _("The call is no longer ignored."),
    )


@login_required
@require_POST
def call_unlink(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True)
    return lists.decide(
        request, SCREEN, call.pk, lambda: services.unlink_call(call=call, actor=request.user), ""
    )


def _bulk_act(request: AuthenticatedHttpRequest, action: str) -> Callable[[Call], object] | None:
    """What the bulk action does to one call; None for an unknown action or a missing record."""
    actor, reason = request.user, request.POST.get("reason", "")
    simple: dict[str, Callable[[Call], object]] = {
        "ignore": lambda call: services.ignore_call(call=call, actor=actor, reason=reason),
        "restore": lambda call: services.restore_call(call=call, actor=actor),
        "lead": lambda call: services.create_lead_from_call(call=call, actor=actor),
    }
    if action != "attach":
        return simple.get(action)
    record = lookup_record(request, request.POST.get("record", ""))
    if isinstance(record, Contact):
        return lambda call: services.link_call(call=call, contact=record, actor=actor)
    if isinstance(record, Lead):
        return lambda call: services.link_call_to_lead(call=call, lead=record, actor=actor)
    return None


def _call_label(call: Call) -> str:
    started = date_format(timezone.localtime(call.started_at), "SHORT_DATETIME_FORMAT")
    return f"{call.party_raw or '?'} · {started}"


@login_required
@require_POST
def call_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ignore, restore, create leads for or attach the chosen calls; a result per call."""
    writable = team_ids_for_user(request.user, write=True)
    return lists.run_bulk(
        request,
        SCREEN,
        act=_bulk_act(request, request.POST.get("action", "")),
        rows=Call.objects.for_teams(writable).select_related("team"),
        label=_call_label,
    )


@login_required
@require_POST
def call_conversation(request: AuthenticatedHttpRequest, call_id: int) -> HttpResponse:
    """Link the call to the conversation chosen in the autocomplete (`conversation`, an id)
    or typed as a number (`#1234`, in `number` or the search box `q`); unlink with none."""
    call = get_call_for_user(request.user, call_id, write=True)
    visible = Conversation.objects.visible_to(request.user).filter(team_id=call.team_id)
    chosen = request.POST.get("conversation", "")
    number = (request.POST.get("number") or request.POST.get("q", "")).strip().lstrip("#")
    conversation = None
    if chosen or number:
        if chosen.isdigit():
            conversation = visible.filter(pk=int(chosen)).first()
        elif number.isdigit():
            conversation = visible.filter(number=int(number)).first()
        if conversation is None:
            messages.error(request, _("No such conversation in this team."))
            return redirect("web:call", call_id=call.pk)
    services.set_call_conversation(call=call, conversation=conversation, actor=request.user)
    return redirect("web:call", call_id=call.pk)


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
        "live_calls": calls.select_related(
            "contact", "contact__organization", "lead"
        ).prefetch_related("candidates")[:3],
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
