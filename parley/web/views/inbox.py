"""The shared inbox (issue 4, CV1): folders with counts, filters, keyset-paged list, the
new-activity poll and bulk actions on the selected rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import WRITE_ROLES, User
from parley.contacts.models import Contact, Organization
from parley.conversations.inbox import (
    Folder,
    InboxFilters,
    Sort,
    folder_counts,
    inbox_page,
    new_activity_count,
)
from parley.conversations.models import Category, Priority, Status, Tag
from parley.web.views.inbox_actions import run_bulk_action

if TYPE_CHECKING:
    from django.http import QueryDict

    from parley.web.views._auth import AuthenticatedHttpRequest


def _int(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


def _day(params: QueryDict, name: str) -> date | None:
    try:
        return date.fromisoformat(params.get(name, ""))
    except ValueError:
        return None


def _choice(value: str, choices: list[str]) -> str | None:
    return value if value in choices else None


def parse_filters(params: QueryDict) -> InboxFilters:
    folder = params.get("folder", "")
    sort = params.get("sort", "")
    return InboxFilters(
        folder=Folder(folder) if folder in Folder else Folder.OPEN,
        sort=Sort(sort) if sort in Sort else Sort.ACTIVITY,
        queue_id=_int(params, "queue"),
        mailbox_id=_int(params, "mailbox"),
        status=_choice(params.get("status", ""), Status.values),
        priority=_choice(params.get("priority", ""), Priority.values),
        category_id=_int(params, "category"),
        assignee_id=_int(params, "assignee"),
        tag_id=_int(params, "tag"),
        contact_id=_int(params, "contact"),
        organization_id=_int(params, "organization"),
        date_from=_day(params, "from"),
        date_to=_day(params, "to"),
        has_attachments=params.get("attachments") == "1",
    )


def _options(user: User) -> dict[str, object]:
    teams = team_ids_for_user(user)
    agents = User.objects.filter(
        memberships__team_id__in=teams, memberships__role__in=WRITE_ROLES, is_active=True
    ).distinct()
    return {
        "agents": list(agents),
        "categories": list(Category.objects.filter(team_id__in=teams)),
        "tags": list(Tag.objects.filter(team_id__in=teams)),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "sorts": [
            (Sort.ACTIVITY, _("Newest activity")),
            (Sort.ACTIVITY_ASC, _("Oldest activity")),
            (Sort.CREATED, _("Newest conversations")),
            (Sort.CREATED_ASC, _("Oldest conversations")),
        ],
        "can_write": bool(team_ids_for_user(user, write=True)),
    }


def _filter_names(user: User, filters: InboxFilters) -> dict[str, object]:
    """The contact and organization the list is narrowed to, looked up from the filter's own
    value among the records `user` may see: an empty list still names its filter, and an id
    the user may not see names nothing (one query per active filter)."""
    contact = organization = None
    if filters.contact_id:
        contact = Contact.objects.visible_to(user).filter(pk=filters.contact_id).first()
    if filters.organization_id:
        organizations = Organization.objects.visible_to(user)
        organization = organizations.filter(pk=filters.organization_id).first()
    return {"filter_contact": contact, "filter_organization": organization}


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = parse_filters(request.GET)
    if request.htmx and request.htmx.target == "inbox-folders":
        # The sidebar refreshes itself (live counts) without rendering the list.
        context = {"filters": filters, "counts": folder_counts(request.user)}
        return render(request, "web/inbox.html#folders", context)
    page = inbox_page(request.user, filters, cursor=request.GET.get("cursor", ""))
    context = {
        "page": page,
        "filters": filters,
        "counts": folder_counts(request.user),
        "rendered_at": timezone.now().isoformat(),
        "now": timezone.now(),
        **_filter_names(request.user, filters),
        **_options(request.user),
    }
    partial = request.htmx and request.htmx.target == "inbox-list"
    template = "web/inbox.html#list" if partial else "web/inbox.html"
    return render(request, template, context)


@login_required
@require_GET
def inbox_poll(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How many conversations of the current view moved since the page was rendered."""
    filters = parse_filters(request.GET)
    try:
        since = datetime.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = timezone.now()
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    count = new_activity_count(request.user, filters, since)
    context = {"new_count": count, "rendered_at": since.isoformat(), "filters": filters}
    return render(request, "web/inbox.html#new-indicator", context)


@login_required
@require_POST
def inbox_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply one action to the ticked conversations and report each outcome."""
    outcome = run_bulk_action(request.user, request.POST)
    if request.htmx:
        response = render(request, "web/inbox.html#bulk-result", {"outcome": outcome})
        response["HX-Trigger"] = "inboxChanged"
        return response
    if outcome.error:
        messages.error(request, outcome.error)
    else:
        messages.info(request, outcome.summary_lines()[0])
        for number, ok, what in outcome.rows():
            if ok:
                messages.info(request, f"#{number} — {what}")
            else:
                refused = _("#%(number)s — refused: %(reason)s")
                messages.warning(request, refused % {"number": number, "reason": what})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:inbox")
    return redirect(back)
