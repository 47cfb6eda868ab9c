"""E-mail triage (TR1, TR2) and the e-mail assistant (AS1-AS3).

Every inbound message gets one `EmailTriage` row, written by the catch-up pass
(`parley.triage.runner`), never by mail ingest: it says whether the message waits for a
decision (Ready), is filed on a contact, organization or lead (Linked), or needs no work
(Ignored), why, by whom and when. `AssistantMailbox` names the mailboxes whose mail is
filed on the records of the parties it involves (BCC'd or forwarded to the assistant).
Writes go through `parley.triage.services`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, override

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from collections.abc import Iterable

    from parley.accounts.access import AnyUser


class State(models.TextChoices):
    READY = "ready", _("Ready")
    LINKED = "linked", _("Linked")
    IGNORED = "ignored", _("Ignored")


class Rule(models.TextChoices):
    """What decided the state: a person, or one of the automatic rules."""

    NONE = "", _("Nothing matched")
    MATCH = "match", _("Matched by address")
    CONVERSATION = "conversation", _("Conversation already linked")
    RECORD_CODE = "record_code", _("Record code in the subject")
    ASSISTANT = "assistant", _("E-mail assistant")
    BULK = "bulk", _("Bulk mail")
    AUTO_REPLY = "auto_reply", _("Auto-reply")
    MANUAL = "manual", _("By hand")


class EmailTriageQuerySet(models.QuerySet["EmailTriage"]):
    def for_teams(self, team_ids: Iterable[int]) -> EmailTriageQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> EmailTriageQuerySet:
        return self.for_teams(team_ids_for_user(user)).filter(
            message__deleted_at__isnull=True, message__conversation__deleted_at__isnull=True
        )

    def ready(self) -> EmailTriageQuerySet:
        return self.filter(state=State.READY)


class EmailTriage(models.Model):
    """The triage state of one inbound message."""

    message = models.OneToOneField("mail.Message", on_delete=models.CASCADE, related_name="triage")
    # The message's team when it arrived (conversations never change team).
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.READY)
    rule = models.CharField(_("decided by"), max_length=16, choices=Rule.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "contacts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        "contacts.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Several contacts own the address: the agent chooses one of these (TR2).
    candidates = models.ManyToManyField("contacts.Contact", blank=True, related_name="+")
    # No contact, but several open leads with the address (an address can fit several).
    lead_candidates = models.ManyToManyField("contacts.Lead", blank=True, related_name="+")
    # An organization owning the sender's domain: offered, never linked automatically.
    suggestion = models.ForeignKey(
        "contacts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Mail that reached us through the assistant address (AS3: the message's source).
    via_assistant = models.BooleanField(_("via the assistant"), default=False)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[EmailTriageQuerySet] = EmailTriageQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["team", "state", "-created_at"], name="triage_team_state"),
        ]
        verbose_name = _("e-mail triage")
        verbose_name_plural = _("e-mail triage")

    @override
    def __str__(self) -> str:
        return f"{self.state} {self.message_id}"


class TriageMark(models.Model):
    """The catch-up pass's high-water mark: the highest message id it has looked at."""

    name = models.CharField(max_length=32, primary_key=True)
    last_pk = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    @override
    def __str__(self) -> str:
        return f"{self.name} up to {self.last_pk}"


class AssistantMailbox(models.Model):
    """A mailbox whose mail is the e-mail assistant's (AS1): an installation setting kept
    here so that mail models stay untouched."""

    mailbox = models.OneToOneField(
        "mail.Mailbox", on_delete=models.CASCADE, related_name="assistant"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assistant mailbox")
        verbose_name_plural = _("assistant mailboxes")

    @override
    def __str__(self) -> str:
        return f"assistant {self.mailbox_id}"
