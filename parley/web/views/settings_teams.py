"""Settings → Teams (site admins): create and rename teams, manage their members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts import access, services
from parley.accounts.exceptions import LastAdminError
from parley.accounts.forms import MembershipForm, MembershipRoleForm, TeamForm
from parley.accounts.models import Role, User
from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def teams(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_site_admin(request.user)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = services.create_team(name=form.cleaned_data["name"])
        if not request.user.is_superuser:
            # A team admin who creates a team administers it, or could not open it again.
            services.set_membership(user=request.user, team=team, role=Role.ADMIN)
        messages.success(request, _("The team %(name)s was created.") % {"name": team.name})
        return redirect("web:settings_team", team_id=team.pk)
    listed = access.managed_teams_for_user(request.user).annotate(member_count=Count("memberships"))
    return render(request, "web/settings_teams.html", {"form": form, "teams": listed})


@login_required
def team(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    the_team = access.get_managed_team_for_user(request.user, team_id)
    action = request.POST.get("action") if request.method == "POST" else None
    rename_form = TeamForm(request.POST if action == "rename" else None, team=the_team)
    member_form = MembershipForm(request.POST if action == "add_member" else None)
    member_form.fields["user"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]  # ModelChoiceField
        memberships__team=the_team
    )
    if action == "rename" and rename_form.is_valid():
        services.rename_team(team=the_team, name=rename_form.cleaned_data["name"])
        messages.success(request, _("The team was renamed."))
        return redirect("web:settings_team", team_id=the_team.pk)
    if action == "add_member" and member_form.is_valid():
        services.set_membership(team=the_team, **member_form.cleaned_data)
        messages.success(request, _("The member was added."))
        return redirect("web:settings_team", team_id=the_team.pk)
    if not rename_form.is_bound:
        rename_form = TeamForm(initial={"name": the_team.name}, team=the_team)
    context = {
        "team": the_team,
        "rename_form": rename_form,
        "member_form": member_form,
        "memberships": the_team.memberships.select_related("user").order_by("user__email"),
        "roles": Role.choices,
    }
    return render(request, "web/settings_team.html", context)


@require_POST
@login_required
def membership(request: AuthenticatedHttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    the_team = access.get_managed_team_for_user(request.user, team_id)
    member = access.get_membership_for_admin(request.user, the_team, membership_id)
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        try:
            services.set_membership(user=member.user, team=the_team, **form.cleaned_data)
        except LastAdminError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The membership was updated."))
    return redirect("web:settings_team", team_id=the_team.pk)


@require_POST
@login_required
def remove_membership(
    request: AuthenticatedHttpRequest, team_id: int, membership_id: int
) -> HttpResponse:
    the_team = access.get_managed_team_for_user(request.user, team_id)
    member = access.get_membership_for_admin(request.user, the_team, membership_id)
    try:
        services.remove_membership(membership=member)
    except LastAdminError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(email)s left the team.") % {"email": member.user.email})
    return redirect("web:settings_team", team_id=the_team.pk)
