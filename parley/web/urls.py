from __future__ import annotations

from django.urls import path

from parley.calls.providers.generic.views import call_webhook
from parley.web.views import (
    calls,
    compose,
    contact_import,
    contact_lists,
    contacts,
    conversation_actions,
    conversations,
    home,
    inbox,
    leads,
    mailboxes,
    meetings,
    organizations,
    search,
    settings_account_roles,
    settings_custom_fields,
    settings_inbox,
    settings_lists,
    settings_profile,
    settings_teams,
    settings_tokens,
    settings_users,
    timeline,
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
    # Settings → Inbox (INBOX-2).
    path("settings/inbox/", settings_inbox.inbox_settings, name="settings_inbox"),
    # Settings → Lists (CRM-2).
    path("settings/lists/", settings_lists.lists, name="settings_lists"),
    path(
        "settings/account-roles/",
        settings_account_roles.account_roles,
        name="settings_account_roles",
    ),
    path(
        "settings/account-roles/<int:role_id>/revoke/",
        settings_account_roles.account_role_revoke,
        name="settings_account_role_revoke",
    ),
    path(
        "settings/custom-fields/",
        settings_custom_fields.custom_fields,
        name="settings_custom_fields",
    ),
    path(
        "settings/custom-fields/<int:field_id>/",
        settings_custom_fields.custom_field_edit,
        name="settings_custom_field",
    ),
    # Contacts and organizations (CRM-CORE).
    path("contacts/", contact_lists.contact_list, name="contacts"),
    path(
        "contacts/export.<str:file_format>",
        contact_lists.contact_export,
        name="contact_export",
    ),
    path("contacts/bulk/", contact_lists.contact_bulk, name="contact_bulk"),
    path("contacts/import/", contact_import.contact_import, name="contact_import"),
    path("contacts/import/map/", contact_import.contact_import_map, name="contact_import_map"),
    path("contacts/views/", contact_lists.saved_view_save, name="saved_view_save"),
    path(
        "contacts/views/<int:view_id>/delete/",
        contact_lists.saved_view_delete,
        name="saved_view_delete",
    ),
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
    # Leads and the timeline of contacts, organizations and leads (CRM-2).
    path("leads/", leads.lead_list, name="leads"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/<int:lead_id>/", leads.lead_detail, name="lead"),
    path("leads/<int:lead_id>/edit/", leads.lead_edit, name="lead_edit"),
    path("leads/<int:lead_id>/convert/", leads.lead_convert, name="lead_convert"),
    path("leads/<int:lead_id>/delete/", leads.lead_delete, name="lead_delete"),
    path(
        "crm/<str:record_type>/<int:record_id>/timeline/",
        timeline.record_timeline,
        name="record_timeline",
    ),
    path(
        "crm/<str:record_type>/<int:record_id>/events/",
        timeline.record_log_event,
        name="record_log_event",
    ),
    # Shared inbox (INBOX, issue 4).
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/poll/", inbox.inbox_poll, name="inbox_poll"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox_bulk"),
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
    path(
        "conversations/<int:conversation_id>/note/",
        conversation_actions.conversation_note,
        name="conversation_note",
    ),
    path(
        "conversations/<int:conversation_id>/action/",
        conversation_actions.conversation_action,
        name="conversation_action",
    ),
    path(
        "conversations/<int:conversation_id>/follow/",
        conversation_actions.conversation_follow,
        name="conversation_follow",
    ),
    path(
        "conversations/<int:conversation_id>/merge/",
        conversation_actions.conversation_merge,
        name="conversation_merge",
    ),
    path(
        "conversations/<int:conversation_id>/presence/",
        conversation_actions.conversation_presence,
        name="conversation_presence",
    ),
    path(
        "conversations/<int:conversation_id>/print/",
        conversation_actions.conversation_print,
        name="conversation_print",
    ),
    path(
        "messages/<int:message_id>/split/",
        conversation_actions.message_split,
        name="message_split",
    ),
    path("attachments/<int:attachment_id>/", conversations.attachment, name="attachment"),
    # PBX webhook (CALLS): signed with the team's secret, no session.
    path("hooks/calls/<uuid:webhook_id>", call_webhook, name="call_webhook"),
    # Calls and meetings (CALLS, issue 7).
    path("calls/", calls.call_list, name="calls"),
    path("calls/new/", calls.call_log, name="call_log"),
    path("calls/dial/", calls.call_dial, name="call_dial"),
    path("calls/live", calls.call_live, name="call_live"),
    path("calls/<int:call_id>/", calls.call_detail, name="call"),
    path("calls/<int:call_id>/link/", calls.call_link, name="call_link"),
    path("calls/<int:call_id>/create/", calls.call_create_contact, name="call_create_contact"),
    path("calls/<int:call_id>/lead/", calls.call_create_lead, name="call_create_lead"),
    path("calls/<int:call_id>/ignore/", calls.call_ignore, name="call_ignore"),
    path("calls/<int:call_id>/restore/", calls.call_restore, name="call_restore"),
    path("calls/<int:call_id>/unlink/", calls.call_unlink, name="call_unlink"),
    path("calls/<int:call_id>/conversation/", calls.call_conversation, name="call_conversation"),
    path("settings/calls/", calls.call_settings, name="call_settings"),
    path(
        "settings/calls/<int:team_id>/",
        calls.call_settings_update,
        name="call_settings_update",
    ),
    path(
        "settings/calls/projects/<int:project_id>/remove/",
        calls.call_project_remove,
        name="call_project_remove",
    ),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/feed/reset/", meetings.agenda_feed_reset, name="agenda_feed_reset"),
    path("meetings/feed/<str:token>.ics", meetings.agenda_feed, name="agenda_feed"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/delete/", meetings.meeting_delete, name="meeting_delete"),
    path("meetings/<int:meeting_id>/dismiss/", meetings.meeting_dismiss, name="meeting_dismiss"),
    path("meetings/<int:meeting_id>.ics", meetings.meeting_ics, name="meeting_ics"),
    # Search (SEARCH, issue 8).
    path("search/", search.search_page, name="search"),
    path("search/instant/", search.search_instant, name="search_instant"),
    # Composing and sending (COMPOSE, issue 5).
    path("compose/new/", compose.compose_new, name="compose_new"),
    path("compose/scheduled/", compose.compose_scheduled, name="compose_scheduled"),
    path("compose/addresses/", compose.compose_addresses, name="compose_addresses"),
    path("compose/templates/", compose.template_list, name="compose_templates"),
    path(
        "compose/templates/<int:template_id>/",
        compose.template_edit,
        name="compose_template_edit",
    ),
    path("compose/signatures/", compose.signatures, name="compose_signatures"),
    path("compose/<int:outgoing_id>/", compose.compose, name="compose"),
    path("compose/<int:outgoing_id>/save/", compose.compose_save, name="compose_save"),
    path("compose/<int:outgoing_id>/send/", compose.compose_send, name="compose_send"),
    path("compose/<int:outgoing_id>/undo/", compose.compose_undo, name="compose_undo"),
    path("compose/<int:outgoing_id>/discard/", compose.compose_discard, name="compose_discard"),
    path("compose/<int:outgoing_id>/fix/", compose.compose_fix, name="compose_fix"),
    path("compose/<int:outgoing_id>/attach/", compose.compose_attach, name="compose_attach"),
    path(
        "compose/<int:outgoing_id>/attachments/<int:attachment_id>/remove/",
        compose.compose_detach,
        name="compose_detach",
    ),
    path(
        "compose/<int:outgoing_id>/templates/<int:template_id>/",
        compose.compose_template,
        name="compose_template",
    ),
    path(
        "conversations/<int:conversation_id>/reply/",
        compose.compose_reply,
        name="compose_reply",
    ),
    path("o/<str:token>.gif", compose.compose_pixel, name="compose_pixel"),
]
