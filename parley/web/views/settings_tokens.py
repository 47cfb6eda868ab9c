"""Settings → API tokens: create (shown once), list and revoke the user's own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts import access, services
from parley.accounts.forms import ApiTokenForm
from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    context: dict[str, object] = {}
    if request.method == "POST" and form.is_valid():
        token, plain = services.create_api_token(user=request.user, name=form.cleaned_data["name"])
        # The plain token is rendered into this one response and never stored.
        context = {"new_token": plain, "new_token_name": token.name}
        form = ApiTokenForm()
    context |= {"form": form, "tokens": request.user.api_tokens.all()}
    response = render(request, "web/settings_tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def revoke_token(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = access.get_api_token_for_user(request.user, token_id)
    services.revoke_api_token(token=token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("web:settings_tokens")
