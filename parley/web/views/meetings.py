"""Phone meetings: the agenda, the meeting page and form, reminders, and iCalendar exports
(one meeting, or a user's agenda feed behind a secret address for calendar apps)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import check_team_access, get_team_for_user, team_ids_for_user
from parley.accounts.models import Team
from parley.calls.access import get_meeting_for_user
from parley.calls.exceptions import CallsError
from parley.calls.forms import MeetingForm
from parley.calls.ical import calendar_for
from parley.calls.models import AgendaFeed, Meeting
from parley.calls.services import meetings as services
from parley.contacts.access import get_contact_for_user
from parley.conversations.access import get_conversation_for_user

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

ICS = "text/calendar; charset=utf-8"
# The feed shows a little history, so a meeting that just ended does not vanish at once.
FEED_HISTORY = timedelta(days=30)


@login_required
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My agenda: meetings I handle from today on; `?all=1` shows the whole team's."""
    everyone = request.GET.get("all") == "1"
    meetings = Meeting.objects.visible_to(request.user)
    if not everyone:
        meetings = meetings.filter(agent=request.user)
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "meetings": meetings.filter(window_end__gte=start_of_day).select_related(
            "contact", "agent", "project"
        )[:200],
        "everyone": everyone,
        "feed": AgendaFeed.objects.filter(user=request.user).first(),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
    }
    return render(request, "web/meeting_list.html", context)


def _initial(request: AuthenticatedHttpRequest, team: Team) -> dict[str, object]:
    start = (timezone.localtime() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    initial: dict[str, object] = {
        "window_start": start,
        "window_end": start + timedelta(minutes=30),
        "agent": request.user,
    }
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():
        contact = get_contact_for_user(request.user, int(contact_id))
        if contact.team_id == team.pk:
            phone = contact.phones.first()
            initial |= {
                "contact": contact,
                "name": str(contact),
                "phone": phone.raw if phone else "",
            }
    conversation_id = request.GET.get("conversation", "")
    if conversation_id.isdigit():
        conversation = get_conversation_for_user(request.user, int(conversation_id))
        if conversation.team_id == team.pk:
            initial["conversation"] = conversation
    return initial


def _team_for_new(request: AuthenticatedHttpRequest) -> Team:
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        return get_team_for_user(request.user, int(team_id), write=True)
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():
        contact = get_contact_for_user(request.user, int(contact_id), write=True)
        return contact.team
    conversation_id = request.GET.get("conversation", "")
    if conversation_id.isdigit():
        return get_conversation_for_user(request.user, int(conversation_id), write=True).team
    writable = sorted(team_ids_for_user(request.user, write=True))
    if not writable:
        raise PermissionDenied
    return get_team_for_user(request.user, writable[0], write=True)


@login_required
def meeting_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    team = _team_for_new(request)
    form = MeetingForm(
        request.POST or None, team=team, user=request.user, initial=_initial(request, team)
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(
                team=team, actor=request.user, data=form.meeting_data()
            )
        except CallsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The meeting has been planned."))
            return redirect("web:meeting", meeting_id=meeting.pk)
    return render(request, "web/meeting_form.html", {"form": form, "meeting": None, "team": team})


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, meeting_id)
    writable = meeting.team_id in team_ids_for_user(request.user, write=True)
    return render(request, "web/meeting_detail.html", {"meeting": meeting, "can_write": writable})


@login_required
def meeting_edit(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, meeting_id, write=True)
    initial = {
        "name": meeting.name,
        "phone": meeting.phone_raw,
        "dialing_mode": meeting.dialing_mode,
        "window_start": timezone.localtime(meeting.window_start),
        "window_end": timezone.localtime(meeting.window_end),
        "information": meeting.information,
        "project": meeting.project_id,
        "agent": meeting.agent_id,
        "contact": meeting.contact_id,
        "conversation": meeting.conversation_id,
    }
    form = MeetingForm(request.POST or None, team=meeting.team, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(meeting=meeting, data=form.meeting_data())
        except CallsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The meeting has been changed."))
            return redirect("web:meeting", meeting_id=meeting.pk)
    context = {"form": form, "meeting": meeting, "team": meeting.team}
    return render(request, "web/meeting_form.html", context)


@login_required
@require_POST
def meeting_delete(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, meeting_id, write=True)
    services.delete_meeting(meeting=meeting)
    messages.success(request, _("The meeting has been deleted."))
    return redirect("web:meetings")


@login_required
@require_POST
def meeting_dismiss(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """Hide the reminder notice (the agent's own, or any for a team member who may write)."""
    meeting = get_meeting_for_user(request.user, meeting_id)
    if meeting.agent_id != request.user.pk:
        check_team_access(request.user, meeting.team_id, write=True)
    services.dismiss_reminder(meeting=meeting)
    if request.htmx:
        return HttpResponse("")
    return redirect(request.headers.get("Referer") or reverse("web:meetings"))


@login_required
@require_GET
def meeting_ics(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, meeting_id)
    response = HttpResponse(calendar_for([meeting], name=meeting.name), content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@require_GET
def agenda_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The agenda of the feed's owner. The secret address is the authentication: calendar
    apps cannot sign in. Only meetings of teams the owner still belongs to are listed."""
    feed = AgendaFeed.objects.filter(token=token).select_related("user").first()
    if feed is None or not feed.user.is_active:
        raise Http404
    meetings = (
        Meeting.objects.visible_to(feed.user)
        .filter(agent=feed.user, window_end__gte=timezone.now() - FEED_HISTORY)
        .select_related("contact", "project")
    )
    name = _("Parley meetings of %(name)s") % {"name": feed.user.display_name}
    return HttpResponse(calendar_for(meetings, name=name), content_type=ICS)


@login_required
@require_POST
def agenda_feed_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create the feed address, or replace it (the old address stops working)."""
    if AgendaFeed.objects.filter(user=request.user).exists():
        services.reset_agenda_feed(user=request.user)
    else:
        services.agenda_feed_for(request.user)
    messages.success(request, _("Your calendar feed address is ready."))
    return redirect("web:meetings")
