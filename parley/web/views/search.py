"""Search: the full results page (with the inbox's filters) and the instant results under
the header search box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user
from parley.conversations.models import Queue
from parley.search.services import GROUPS, search

if TYPE_CHECKING:
    from django.http import HttpResponse, QueryDict

    from parley.web.views._auth import AuthenticatedHttpRequest

KIND_CHOICES = [
    ("", _("Everything")),
    ("conversations", _("Conversations")),
    ("contacts", _("Contacts")),
    ("organizations", _("Organizations")),
    ("leads", _("Leads")),
]
PER_GROUP = 10
PER_KIND = 50
INSTANT = 5
INSTANT_MIN_CHARS = 2
# The instant results are ranked among each group's newest 200 matches, not 2,000: they
# show no counts, and every keystroke asks again ("All results" ranks the full window).
INSTANT_WINDOW = 200


STATUS_CHOICES = [("", _("Any status")), ("open", _("Open")), ("closed", _("Closed"))]


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "").strip() + '"'


def filter_operators(params: QueryDict) -> str:
    """The page's filter fields as query operators, added to what the user typed: the
    filters and the query language are one thing, so a filter is also a typed `is:open`."""
    parts = []
    if params.get("status") in {"open", "closed"}:
        parts.append(f"is:{params['status']}")
    if params.get("mine") == "1":
        parts.append("assignee:me")
    if params.get("attachment") == "1":
        parts.append("has:attachment")
    values = {key: params.get(key, "").strip() for key in ("queue", "tag", "after", "before")}
    parts += [f"{key}:{_quoted(values[key])}" for key in ("queue", "tag") if values[key]]
    parts += [f"{key}:{values[key].split()[0]}" for key in ("after", "before") if values[key]]
    return " ".join(parts)


@login_required
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in GROUPS else None
    operators = filter_operators(request.GET)
    results = search(
        user=request.user,
        q=f"{q} {operators}".strip(),
        kinds=kinds,
        limit=PER_KIND if kinds else PER_GROUP,
    )
    queues = Queue.objects.filter(team_id__in=team_ids_for_user(request.user))
    context = {
        "results": results,
        "q": q,
        "searched": bool(q or operators),
        "kind": kind if kinds else "",
        "kinds": KIND_CHOICES,
        "statuses": STATUS_CHOICES,
        "queues": sorted(set(queues.values_list("name", flat=True))),
        "filters": request.GET,
    }
    template = "web/search.html#results" if request.htmx else "web/search.html"
    return render(request, template, context)


@login_required
def search_instant(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    results = (
        search(user=request.user, q=q, limit=INSTANT, window=INSTANT_WINDOW)
        if len(q) >= INSTANT_MIN_CHARS
        else None
    )
    return render(request, "web/search.html#instant", {"results": results, "q": q})
