"""A team's telephony settings: webhook secret, click-to-call URL, extensions, projects.

Each function is its own transaction; `request_outbound_call` enqueues the signed
click-to-call webhook on commit (the HTTP request runs in the worker, never in the request).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Team, User
from parley.calls.exceptions import CallsError, NotConfiguredError
from parley.calls.models import AgentExtension, CallSettings, MeetingProject, new_secret
from parley.calls.services.calls import e164_or_blank


def call_settings_for(team: Team) -> CallSettings:
    """The team's settings row, created with a fresh webhook id and secret on first use."""
    found = CallSettings.objects.filter(team=team).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CallSettings.objects.create(team=team)
    except IntegrityError:
        # Two first uses raced; the other one created the row.
        return CallSettings.objects.get(team=team)


def rotate_webhook_secret(*, team: Team) -> CallSettings:
    """A new secret: the PBX must be reconfigured, requests signed with the old one fail."""
    with transaction.atomic(durable=True):
        settings = call_settings_for(team)
        settings.webhook_secret = new_secret()
        settings.updated_at = timezone.now()
        settings.save(update_fields=["webhook_secret", "updated_at"])
    return settings


def set_outbound_url(*, team: Team, url: str) -> CallSettings:
    """Set (or, with "", clear) the click-to-call URL; only http and https are accepted."""
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CallsError(_("“%(url)s” is not an http(s) URL.") % {"url": url}) from None
    with transaction.atomic(durable=True):
        settings = call_settings_for(team)
        settings.outbound_url = url
        settings.updated_at = timezone.now()
        settings.save(update_fields=["outbound_url", "updated_at"])
    return settings


def set_agent_extension(*, team: Team, user: User, extension: str) -> AgentExtension | None:
    """Give `user` this extension in `team` ("" removes it). Extensions are unique per team."""
    extension = extension.strip()
    if not user.memberships.filter(team=team).exists():
        raise CallsError(_("The user is not a member of the team."))
    with transaction.atomic(durable=True):
        AgentExtension.objects.filter(team=team, user=user).delete()
        if not extension:
            return None
        try:
            with transaction.atomic():
                return AgentExtension.objects.create(team=team, user=user, extension=extension)
        except IntegrityError:
            raise CallsError(
                _("Extension %(extension)s belongs to someone else.") % {"extension": extension}
            ) from None


def add_meeting_project(*, team: Team, name: str) -> MeetingProject:
    name = name.strip()
    if not name:
        raise CallsError(_("A project needs a name."))
    try:
        with transaction.atomic(durable=True):
            return MeetingProject.objects.create(team=team, name=name[:100])
    except IntegrityError:
        raise CallsError(_("The project “%(name)s” already exists.") % {"name": name}) from None


def remove_meeting_project(*, project: MeetingProject) -> None:
    """Delete a project; its meetings stay, without a project."""
    with transaction.atomic(durable=True):
        project.delete()


def request_outbound_call(*, team: Team, user: User, number: str) -> None:
    """Ask the PBX to connect `user`'s extension with `number` (sent by a task on commit)."""
    from parley.calls.tasks import send_outbound_call

    settings = call_settings_for(team)
    if not settings.outbound_url:
        raise NotConfiguredError(_("Click-to-call is not set up for this team."))
    extension = AgentExtension.objects.filter(team=team, user=user).first()
    if extension is None:
        raise NotConfiguredError(_("You have no extension in this team."))
    e164 = e164_or_blank(number)
    if not e164:
        raise CallsError(_("“%(number)s” is not a valid phone number.") % {"number": number})
    transaction.on_commit(
        lambda: send_outbound_call.enqueue(
            team_id=team.pk, from_extension=extension.extension, to_number=e164
        )
    )
