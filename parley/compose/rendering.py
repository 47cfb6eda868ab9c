"""Render canned responses safely (issue 5 part 2).

A template may only name variables from a fixed list — ``{{ contact.first_name }}``,
``{{ agent.name }}``, ``{{ ticket.number }}``… — and nothing else: no attribute access on
real objects, no filters, no tags, no code. Values are plain strings looked up in a dict and
HTML-escaped, so a template cannot reach into the application (no template injection), and a
name not in the list is reported instead of being silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape

from parley.accounts.models import User
from parley.contacts.models import Contact
from parley.conversations.models import Conversation
from parley.mail.models import Mailbox

_VARIABLE_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

VARIABLES: tuple[str, ...] = (
    "contact.first_name",
    "contact.last_name",
    "contact.name",
    "contact.email",
    "organization.name",
    "agent.name",
    "agent.first_name",
    "agent.email",
    "ticket.number",
    "ticket.subject",
    "mailbox.name",
    "mailbox.email",
)


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    unknown: list[str]


def variables_in(template: str) -> list[str]:
    return [match.group(1) for match in _VARIABLE_RE.finditer(template)]


def unknown_variables(template: str) -> list[str]:
    return sorted({name for name in variables_in(template) if name not in VARIABLES})


def render(template: str, values: dict[str, str], *, html: bool = True) -> Rendered:
    """Replace every known variable; unknown ones stay as written and are listed."""
    unknown: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            unknown.add(name)
            return match.group(0)
        value = values.get(name, "")
        return str(escape(value)) if html else value

    return Rendered(_VARIABLE_RE.sub(replace, template), sorted(unknown))


def context_values(
    *,
    agent: User | None = None,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    mailbox: Mailbox | None = None,
) -> dict[str, str]:
    """The variables' values for one message; missing records give empty strings."""
    values: dict[str, str] = dict.fromkeys(VARIABLES, "")
    if agent is not None:
        values["agent.name"] = agent.name or agent.email
        values["agent.first_name"] = (agent.name or "").split(" ")[0]
        values["agent.email"] = agent.email
    if conversation is not None:
        values["ticket.number"] = str(conversation.number)
        values["ticket.subject"] = conversation.subject
        contact = contact or conversation.contact
    if contact is not None:
        values["contact.first_name"] = contact.first_name
        values["contact.last_name"] = contact.last_name
        values["contact.name"] = contact.full_name
        email = contact.emails.first()
        values["contact.email"] = email.address if email else ""
        if contact.organization is not None:
            values["organization.name"] = contact.organization.name
    if mailbox is not None:
        values["mailbox.name"] = mailbox.display_name or mailbox.name
        values["mailbox.email"] = mailbox.email
    return values
