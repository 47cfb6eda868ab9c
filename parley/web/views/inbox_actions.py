"""Bulk actions of the inbox: parse the posted action, fetch the ticked conversations the
user can see, call the matching workflow service and describe each outcome.

Not a view module: `inbox.inbox_bulk` and the API share it (no request objects here, only
the posted data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import User
from parley.conversations.models import Category, Conversation, Priority, Queue, Status, Tag
from parley.conversations.services import workflow
from parley.conversations.services.workflow import BulkResult

if TYPE_CHECKING:
    from django.http import QueryDict

ACTIONS = (
    "assign",
    "close",
    "reopen",
    "status",
    "priority",
    "category",
    "queue",
    "tag_add",
    "tag_remove",
    "snooze",
    "delete",
)


@dataclass
class BulkOutcome:
    action: str
    result: BulkResult = field(default_factory=BulkResult)
    error: str = ""

    def summary_lines(self) -> list[str]:
        if self.error:
            return [self.error]
        lines = [_("%(count)d conversation(s) changed.") % {"count": len(self.result.succeeded)}]
        lines += [f"#{o.number}: {o.reason}" for o in self.result.refused]
        return lines

    def rows(self) -> list[tuple[int, bool, str]]:
        """(number, succeeded, what happened) for every ticked conversation, in order."""
        return [(o.number, o.ok, o.reason if not o.ok else _("done")) for o in self.result.outcomes]


def _ids(data: QueryDict, name: str) -> list[int]:
    return [int(v) for v in data.getlist(name) if v.isdigit()]


def _one(data: Mapping[str, str], name: str) -> int | None:
    value = data.get(name, "")
    return int(value) if value.isdigit() else None


def run_bulk_action(user: User, data: QueryDict) -> BulkOutcome:  # noqa: PLR0911, PLR0912  # one branch per action keeps the dispatch readable
    action = data.get("action", "")
    outcome = BulkOutcome(action=action)
    if action not in ACTIONS:
        outcome.error = _("Choose an action.")
        return outcome
    conversations = list(
        Conversation.objects.visible_to(user).listed().filter(pk__in=_ids(data, "ids"))
    )
    if not conversations:
        outcome.error = _("Tick at least one conversation.")
        return outcome
    teams = team_ids_for_user(user)
    some = conversations
    match action:
        case "assign":
            users = list(User.objects.filter(pk__in=_ids(data, "users"), is_active=True))
            outcome.result = workflow.set_assignees(actor=user, conversations=some, users=users)
        case "close":
            outcome.result = workflow.close_conversations(actor=user, conversations=some)
        case "reopen":
            outcome.result = workflow.reopen_conversations(actor=user, conversations=some)
        case "status":
            status = data.get("status", "")
            if status not in Status.values:
                outcome.error = _("Choose a status.")
                return outcome
            outcome.result = workflow.change_status(
                actor=user, conversations=some, status=Status(status)
            )
        case "priority":
            priority = data.get("priority", "")
            if priority not in Priority.values:
                outcome.error = _("Choose a priority.")
                return outcome
            outcome.result = workflow.change_priority(
                actor=user, conversations=some, priority=Priority(priority)
            )
        case "category":
            category = Category.objects.filter(
                pk=_one(data, "category") or 0, team_id__in=teams
            ).first()
            outcome.result = workflow.change_category(
                actor=user, conversations=some, category=category
            )
        case "queue":
            queue = Queue.objects.filter(pk=_one(data, "queue") or 0, team_id__in=teams).first()
            outcome.result = workflow.change_queue(actor=user, conversations=some, queue=queue)
        case "tag_add" | "tag_remove":
            tags = list(Tag.objects.filter(pk__in=_ids(data, "tags"), team_id__in=teams))
            if not tags:
                outcome.error = _("Choose a tag.")
                return outcome
            if action == "tag_add":
                outcome.result = workflow.change_tags(actor=user, conversations=some, add=tags)
            else:
                outcome.result = workflow.change_tags(actor=user, conversations=some, remove=tags)
        case "snooze":
            until = _until(data.get("until", ""))
            if until is None:
                outcome.error = _("Choose when the conversations should come back.")
                return outcome
            outcome.result = workflow.snooze_conversations(
                actor=user, conversations=some, until=until, note=data.get("note", "")
            )
        case "delete":
            outcome.result = workflow.delete_conversations(actor=user, conversations=some)
    return outcome


def _until(value: str) -> datetime | None:
    try:
        until = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    return until
