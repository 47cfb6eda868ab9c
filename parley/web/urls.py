from __future__ import annotations

from django.urls import path

from parley.calls.providers.generic.views import call_webhook
from parley.web.views import (
    contacts,
    conversations,
    home,
    mailboxes,
    organizations,
    settings_lists,
    settings_profile,
    settings_teams,
    settings_tokens,
    settings_users,
)

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
    # Settings → Mailboxes (MAIL-SYNC).
    path("settings/mailboxes/", mailboxes.mailboxes, name="mailboxes"),
    path("settings/mailboxes/new/", mailboxes.mailbox_add, name="mailbox_add"),
    path("settings/mailboxes/<int:mailbox_id>/", mailboxes.mailbox_edit, name="mailbox_edit"),
    path("settings/mailboxes/<int:mailbox_id>/test/", mailboxes.mailbox_test, name="mailbox_test"),
    path(
        "settings/mailboxes/<int:mailbox_id>/pause/", mailboxes.mailbox_pause, name="mailbox_pause"
    ),
    path(
        "settings/mailboxes/<int:mailbox_id>/remove/",
        mailboxes.mailbox_remove,
        name="mailbox_remove",
    ),
    # Settings → Lists (CRM-2).
    path("settings/lists/", settings_lists.lists, name="settings_lists"),
    # Contacts and organizations (CRM-CORE).
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/emails/", contacts.contact_email_add, name="contact_email_add"),
    path(
        "contacts/<int:contact_id>/emails/<int:email_id>/remove/",
        contacts.contact_email_remove,
        name="contact_email_remove",
    ),
    path(
        "contacts/<int:contact_id>/emails/<int:email_id>/primary/",
        contacts.contact_email_primary,
        name="contact_email_primary",
    ),
    path("contacts/<int:contact_id>/phones/", contacts.contact_phone_add, name="contact_phone_add"),
    path(
        "contacts/<int:contact_id>/phones/<int:phone_id>/remove/",
        contacts.contact_phone_remove,
        name="contact_phone_remove",
    ),
    path("organizations/", organizations.organization_list, name="organizations"),
    path("organizations/new/", organizations.organization_create, name="organization_create"),
    path(
        "organizations/<int:organization_id>/",
        organizations.organization_detail,
        name="organization",
    ),
    path(
        "organizations/<int:organization_id>/edit/",
        organizations.organization_edit,
        name="organization_edit",
    ),
    path(
        "organizations/<int:organization_id>/delete/",
        organizations.organization_delete,
        name="organization_delete",
    ),
    # Minimal conversation pages (MAIL-INGEST, issue 3 part 7).
    path("mail/", conversations.mailboxes, name="mail_mailboxes"),
    path(
        "mail/<int:mailbox_id>/",
        conversations.mailbox_conversations,
        name="mailbox_conversations",
    ),
    path(
        "conversations/<int:conversation_id>/",
        conversations.conversation,
        name="conversation",
    ),
    path("messages/<int:message_id>/raw/", conversations.message_raw, name="message_raw"),
    path("attachments/<int:attachment_id>/", conversations.attachment, name="attachment"),
    # PBX webhook (CALLS): signed with the team's secret, no session.
    path("hooks/calls/<uuid:webhook_id>", call_webhook, name="call_webhook"),
]
