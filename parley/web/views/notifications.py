"""The notification centre (issue 4, section 5): the user's in-app notifications — assigned
to you, snooze ended, new reply, mention, a phone meeting due now (issue 7) — with mark read / all read, and the unread badge
of the header, which htmx polls (with the newest unread id, so that the page can chime)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import team_ids_for_user
from parley.conversations.models import Notification
from parley.conversations.services.notifications import mark_notifications_read
from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50


def _visible(request: AuthenticatedHttpRequest) -> Q:
    """The user's notifications about conversations and meetings they can still see."""
    team_ids = team_ids_for_user(request.user)
    alive = Q(conversation__team_id__in=team_ids, conversation__deleted_at__isnull=True)
    meeting = Q(meeting__isnull=True) | Q(meeting__team_id__in=team_ids)
    return Q(user_id=request.user.pk) & (Q(conversation__isnull=True) | alive) & meeting


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Newest first, keyset-paged on the id (`before`)."""
    rows = Notification.objects.filter(_visible(request)).order_by("-pk")
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows.select_related("conversation", "actor", "meeting")[: PAGE_SIZE + 1])
    context = {
        "notifications": page[:PAGE_SIZE],
        "next_before": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        "unread": _unread(request),
    }
    return render(request, "web/notifications.html", context)


def _unread(request: AuthenticatedHttpRequest) -> int:
    unread = Notification.objects.filter(_visible(request), read_at__isnull=True)
    return unread.count()


def _badge(request: AuthenticatedHttpRequest) -> dict[str, int]:
    """The unread count and the newest unread id, in one query. The page's script chimes
    when the newest id grows (static/parley/notify.js)."""
    unread = Notification.objects.filter(_visible(request), read_at__isnull=True)
    figures = unread.aggregate(unread=Count("pk"), latest=Max("pk"))
    return {"unread": figures["unread"], "latest": figures["latest"] or 0}


@login_required
@require_GET
def notification_badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The header's unread count (polled by htmx)."""
    return render(request, "web/notifications.html#badge", _badge(request))


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark the ticked notifications read (`ids`), or all (`all`). With `open`, mark that one
    read and go to its conversation (or its meeting)."""
    opened = request.POST.get("open", "")
    if opened.isdigit():
        mark_notifications_read(user=request.user, ids=[int(opened)])
        note = Notification.objects.filter(_visible(request), pk=int(opened)).first()
        if note is not None and note.conversation_id is not None:
            return redirect("web:conversation", note.conversation_id)
        if note is not None and note.meeting_id is not None:
            return redirect("web:meeting", note.meeting_id)
        return redirect("web:notifications")
    ids = None
    if not request.POST.get("all"):
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    mark_notifications_read(user=request.user, ids=ids)
    if request.htmx:
        return render(request, "web/notifications.html#badge", _badge(request))
    return redirect("web:notifications")
