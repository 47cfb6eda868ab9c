"""Search: the full results page and the instant results under the header search box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from parley.search.services import GROUPS, search

if TYPE_CHECKING:
    from django.http import HttpResponse

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


@login_required
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in GROUPS else None
    results = search(user=request.user, q=q, kinds=kinds, limit=PER_KIND if kinds else PER_GROUP)
    context = {"results": results, "q": q, "kind": kind if kinds else "", "kinds": KIND_CHOICES}
    template = "web/search.html#results" if request.htmx else "web/search.html"
    return render(request, template, context)


@login_required
def search_instant(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    results = search(user=request.user, q=q, limit=INSTANT) if len(q) >= INSTANT_MIN_CHARS else None
    return render(request, "web/search.html#instant", {"results": results, "q": q})
