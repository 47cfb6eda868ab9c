"""Find the conversation a new message belongs to (issue 3 part 4, MB5).

Rules, first match wins, always within the message's team:

1. ``own``: In-Reply-To/References name a message we sent (direction out).
2. ``references``: In-Reply-To/References name any message we know; the nearest one wins
   (In-Reply-To, then References from last to first).
3. ``tag``: the subject carries the conversation tag ``[#1234]`` (prefix: PARLEY_TICKET_PREFIX).
4. ``subject``: guarded fallback — the same normalized subject (Re:/Fwd:/Odp:/AW:/… stripped)
   and a shared external participant within PARLEY_THREAD_SUBJECT_DAYS days (0 = off);
   never for bulk mail.

Otherwise the caller opens a new conversation. A reply that arrives before its parent (both
in one batch, out of order) opens its own conversation; the parent then starts another one
unless a later message's References link them. Sync fetches in UID order, so this needs an
out-of-order delivery; merging conversations (CV7) is the remedy, and a reverse lookup was
left out because it costs a scan per new message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from parley.accounts.models import Team
from parley.conversations.models import Conversation
from parley.mail.models import Direction, Mailbox, Message
from parley.mail.parsing import ParsedMessage

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|odp|pd|aw|wg|sv|vs|antw|tr|rif|enc)\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
_WS_RE = re.compile(r"\s+")
CANDIDATE_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ThreadMatch:
    conversation: Conversation
    rule: str  # "own", "references", "tag" or "subject"


@cache
def _tag_re(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[" + re.escape(prefix) + r"(\d{1,18})\]")


def subject_tag(number: int) -> str:
    """The tag outgoing mail carries in its subject, e.g. ``[#1234]``."""
    return f"[{settings.PARLEY_TICKET_PREFIX}{number}]"


def tag_number(subject: str) -> int | None:
    match = _tag_re(settings.PARLEY_TICKET_PREFIX).search(subject)
    return int(match.group(1)) if match else None


def normalize_subject(subject: str) -> str:
    """Subject without reply/forward prefixes (repeatedly) and tags, whitespace collapsed."""
    previous = None
    text = _tag_re(settings.PARLEY_TICKET_PREFIX).sub(" ", subject)
    while previous != text:
        previous = text
        text = _PREFIX_RE.sub("", text).strip()
    return _WS_RE.sub(" ", text).strip().casefold()


def _by_references(parsed: ParsedMessage, team: Team) -> ThreadMatch | None:
    chain = [parsed.in_reply_to] if parsed.in_reply_to else []
    chain += reversed(parsed.references)
    chain = [mid for mid in chain if mid != parsed.identity.message_id]
    if not chain:
        return None
    known = list(
        Message.objects.alive()
        .filter(
            message_id__in=set(chain),
            conversation__team=team,
            conversation__deleted_at__isnull=True,
        )
        .select_related("conversation")
        .only("message_id", "direction", "conversation")
    )
    if not known:
        return None
    rank = {mid: i for i, mid in reversed(list(enumerate(chain)))}
    known.sort(key=lambda m: (m.direction != Direction.OUTBOUND, rank[m.message_id or ""]))
    best = known[0]
    rule = "own" if best.direction == Direction.OUTBOUND else "references"
    return ThreadMatch(best.conversation, rule)


def _by_tag(parsed: ParsedMessage, team: Team) -> ThreadMatch | None:
    number = tag_number(parsed.subject)
    if number is None:
        return None
    conversation = Conversation.objects.alive().filter(team=team, number=number).first()
    return ThreadMatch(conversation, "tag") if conversation else None


def _participants(message: Message | ParsedMessage) -> set[str]:
    if isinstance(message, Message):
        lists = [[{"address": message.from_address}], message.to, message.cc]
    else:
        lists = [message.from_, message.to, message.cc]
    return {str(a.get("address", "")) for group in lists for a in group} - {""}


def _own_addresses(team: Team) -> set[str]:
    emails = Mailbox.objects.filter(team=team).values_list("email", flat=True)
    return {email.strip().lower() for email in emails}


def _by_subject(parsed: ParsedMessage, team: Team) -> ThreadMatch | None:
    days = settings.PARLEY_THREAD_SUBJECT_DAYS
    norm = normalize_subject(parsed.subject)
    if days <= 0 or parsed.flags.bulk or not norm:
        return None
    # The team's own mailbox addresses never count as the shared external participant.
    external = _participants(parsed) - _own_addresses(team)
    if not external:
        return None
    when: datetime = parsed.date or timezone.now()
    window = Q(date__range=(when - timedelta(days=days), when + timedelta(days=days))) | Q(
        date__isnull=True,
        created_at__range=(when - timedelta(days=days), when + timedelta(days=days)),
    )
    candidates = (
        Message.objects.alive()
        .filter(window, conversation__team=team, conversation__deleted_at__isnull=True)
        .filter(is_bulk=False, subject__icontains=norm)
        .filter(Q(from_address__in=external) | Q(direction=Direction.OUTBOUND))
        .select_related("conversation")
        .order_by("-date", "-pk")[:CANDIDATE_LIMIT]
    )
    for candidate in candidates:
        if normalize_subject(candidate.subject) != norm:
            continue
        if _participants(candidate) & external:
            return ThreadMatch(candidate.conversation, "subject")
    return None


def find_conversation(*, parsed: ParsedMessage, team: Team) -> ThreadMatch | None:
    """The conversation ``parsed`` continues (within ``team``), or None for a new one."""
    return _by_references(parsed, team) or _by_tag(parsed, team) or _by_subject(parsed, team)
