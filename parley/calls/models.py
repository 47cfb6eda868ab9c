"""Calls from the phone system, phone meetings, and the per-team telephony settings.

A call arrives from a PBX (the API or the signed webhook) or is logged by hand; it is matched
to contacts by the E.164 number of the other party (TR2) and waits in the "Ready" triage list
until someone links, creates or ignores it (TR1). Meetings are planned phone calls with a time
window and a reminder (CL3). Writes go through `parley.calls.services`.
"""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING, ClassVar, override

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from collections.abc import Iterable

    from parley.accounts.access import AnyUser


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Direction(models.TextChoices):
    INBOUND = "in", _("Incoming")
    OUTBOUND = "out", _("Outgoing")


class Result(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    BUSY = "busy", _("Busy")
    VOICEMAIL = "voicemail", _("Voicemail")
    FAILED = "failed", _("Failed")


class Phase(models.TextChoices):
    """Where the call is now: the PBX may report it while it rings and when it ends."""

    RINGING = "ringing", _("Ringing")
    ACTIVE = "active", _("In progress")
    ENDED = "ended", _("Ended")


PHASE_ORDER = {Phase.RINGING: 0, Phase.ACTIVE: 1, Phase.ENDED: 2}


class Triage(models.TextChoices):
    READY = "ready", _("Ready")
    LINKED = "linked", _("Linked")
    IGNORED = "ignored", _("Ignored")


class Origin(models.TextChoices):
    API = "api", _("API")
    WEBHOOK = "webhook", _("PBX webhook")
    MANUAL = "manual", _("Logged by hand")


class CallQuerySet(models.QuerySet["Call"]):
    def for_teams(self, team_ids: Iterable[int]) -> CallQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> CallQuerySet:
        return self.for_teams(team_ids_for_user(user))

    def live(self) -> CallQuerySet:
        return self.exclude(phase=Phase.ENDED)


class Call(models.Model):
    """One phone call. `external_id` is the PBX's id, unique per team (idempotent ingestion)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="calls")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    from_raw = models.CharField(_("from"), max_length=64, blank=True)
    from_e164 = models.CharField(_("from (E.164)"), max_length=20, blank=True)
    to_raw = models.CharField(_("to"), max_length=64, blank=True)
    to_e164 = models.CharField(_("to (E.164)"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.ENDED)
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("agent"),
    )
    # The extension or e-mail address the PBX named, kept even when no user matched.
    agent_ref = models.CharField(_("agent as reported"), max_length=254, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.API)
    note = models.TextField(_("note"), blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("contact"),
    )
    lead = models.ForeignKey(
        "contacts.Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("lead"),
    )
    # Several contacts share the number: the agent chooses one of these (TR2).
    candidates = models.ManyToManyField("contacts.Contact", blank=True, related_name="+")
    # Open leads sharing the number when no contact has it (the seed: one number, several
    # leads): the agent chooses one of them.
    lead_candidates = models.ManyToManyField("contacts.Lead", blank=True, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("conversation"),
    )
    triage = models.CharField(
        _("triage"), max_length=8, choices=Triage.choices, default=Triage.READY
    )
    ignore_reason = models.CharField(_("reason"), max_length=200, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[CallQuerySet] = CallQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("-started_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "external_id"],
                condition=~models.Q(external_id=""),
                name="calls_call_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "triage", "-started_at"], name="calls_team_triage"),
            models.Index(fields=["team", "-started_at"], name="calls_team_started"),
            models.Index(fields=["team", "from_e164"], name="calls_team_from"),
            models.Index(fields=["team", "to_e164"], name="calls_team_to"),
            models.Index(fields=["agent", "phase"], name="calls_agent_phase"),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    @override
    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.party_raw} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def party_raw(self) -> str:
        """The other party's number as reported: the caller, or whom we called."""
        return self.from_raw if self.direction == Direction.INBOUND else self.to_raw

    @property
    def party_e164(self) -> str:
        return self.from_e164 if self.direction == Direction.INBOUND else self.to_e164

    @property
    def is_live(self) -> bool:
        return self.phase != Phase.ENDED

    @property
    def duration_display(self) -> str:
        """`m:ss`, or `h:mm:ss` for calls of an hour or more."""
        minutes, seconds = divmod(self.duration, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class CallSettings(models.Model):
    """A team's telephony settings: the inbound webhook address and secret, click-to-call."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="call_settings"
    )
    webhook_id = models.UUIDField(default=uuid.uuid4, unique=True)
    # Used as an HMAC key, so it is kept readable; it grants only "report a call".
    webhook_secret = models.CharField(max_length=64, default=new_secret)
    outbound_url = models.URLField(
        _("click-to-call webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Parley POSTs {from_extension, to_number} here, signed with the secret."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    @override
    def __str__(self) -> str:
        return f"Call settings of {self.team}"


class AgentExtension(models.Model):
    """Which PBX extension belongs to which user in a team (agent matching, click-to-call)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions"
    )
    extension = models.CharField(_("extension"), max_length=32)

    class Meta:
        ordering = ("extension",)
        constraints = [
            models.UniqueConstraint(fields=["team", "extension"], name="calls_ext_team_ext"),
            models.UniqueConstraint(fields=["team", "user"], name="calls_ext_team_user"),
        ]

    @override
    def __str__(self) -> str:
        return self.extension


class MeetingProject(models.Model):
    """A team's list of projects a meeting can belong to (the seed's "Wybierz projekt")."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint("team", Lower("name"), name="calls_project_team_name"),
        ]

    @override
    def __str__(self) -> str:
        return self.name


class DialingMode(models.TextChoices):
    MANUAL = "manual", _("Manual")
    AUTOMATIC = "automatic", _("Automatic")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def for_teams(self, team_ids: Iterable[int]) -> MeetingQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> MeetingQuerySet:
        return self.for_teams(team_ids_for_user(user))


class Meeting(models.Model):
    """A planned phone call with a contact within a time window (CL3)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="meetings")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    phone_raw = models.CharField(_("phone number"), max_length=64, blank=True)
    phone_e164 = models.CharField(_("phone number (E.164)"), max_length=20, blank=True)
    dialing_mode = models.CharField(
        _("dialing mode"), max_length=10, choices=DialingMode.choices, default=DialingMode.MANUAL
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    information = models.TextField(_("information"), blank=True)
    project = models.ForeignKey(
        MeetingProject,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("project"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("agent"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("contact"),
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("conversation"),
    )
    # iCalendar SEQUENCE: calendars replace an event only when this grows.
    sequence = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_dismissed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[MeetingQuerySet] = MeetingQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("window_start", "pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")),
                name="calls_meeting_window",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "window_start"], name="calls_meeting_agent"),
            models.Index(fields=["team", "window_start"], name="calls_meeting_team"),
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    @override
    def __str__(self) -> str:
        return self.name


class AgendaFeed(models.Model):
    """The secret address of a user's iCalendar agenda feed (calendar apps cannot sign in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_secret)
    created_at = models.DateTimeField(default=timezone.now)

    @override
    def __str__(self) -> str:
        return f"Agenda feed of {self.user}"
