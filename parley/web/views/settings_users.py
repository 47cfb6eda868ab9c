"""Settings → Users (site admins): list, create or invite, deactivate and reactivate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts import access, services
from parley.accounts.exceptions import AccountsError
from parley.accounts.forms import UserCreateForm
from parley.accounts.models import Membership, User
from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def users(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_site_admin(request.user)
    teams = access.managed_teams_for_user(request.user)
    form = UserCreateForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.create_user(
            email=data["email"], password=data["password"] or None, name=data["name"]
        )
        if data["team"] is not None:
            services.set_membership(user=user, team=data["team"], role=data["role"])
        if data["password"]:
            messages.success(request, _("%(email)s can sign in now.") % {"email": user.email})
        else:
            services.send_invitation(user=user, invited_by=request.user)
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": user.email}
            )
        return redirect("web:settings_users")
    people = User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    ).order_by("-is_active", "name", "email")
    return render(request, "web/settings_users.html", {"form": form, "users": people})


@require_POST
@login_required
def set_active(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    target = access.get_user_for_admin(request.user, user_id)
    active = request.POST.get("active") == "true"
    try:
        services.set_user_active(user=target, active=active, by=request.user)
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(request, _("%(email)s was reactivated.") % {"email": target.email})
        else:
            messages.success(request, _("%(email)s was deactivated.") % {"email": target.email})
    return redirect("web:settings_users")
