from __future__ import annotations

from django.urls import path

from parley.web.views import home, settings_profile, settings_teams, settings_tokens, settings_users

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    # Settings (FOUNDATION-UI).
    path("settings/", settings_profile.settings_home, name="settings"),
    path("settings/profile/", settings_profile.profile, name="settings_profile"),
    path("settings/tokens/", settings_tokens.tokens, name="settings_tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        settings_tokens.revoke_token,
        name="settings_token_revoke",
    ),
    path("settings/users/", settings_users.users, name="settings_users"),
    path(
        "settings/users/<int:user_id>/active/",
        settings_users.set_active,
        name="settings_user_active",
    ),
    path("settings/teams/", settings_teams.teams, name="settings_teams"),
    path("settings/teams/<int:team_id>/", settings_teams.team, name="settings_team"),
    path(
        "settings/teams/<int:team_id>/members/<int:membership_id>/",
        settings_teams.membership,
        name="settings_membership",
    ),
    path(
        "settings/teams/<int:team_id>/members/<int:membership_id>/remove/",
        settings_teams.remove_membership,
        name="settings_membership_remove",
    ),
]
