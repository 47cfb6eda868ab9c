from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from parley.accounts.access import teams_for_user
from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start page; the inbox screen replaces its body when conversations arrive."""
    return render(request, "web/home.html", {"teams": teams_for_user(request.user)})
