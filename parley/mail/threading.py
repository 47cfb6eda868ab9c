"""Find the conversation a new message belongs to (issue 3 part 4, MB5).

Rules, first match wins, always within the message's team:

1. ``own``: In-Reply-To/References name a message we sent (direction out).
2. ``references``: In-Reply-To/References name any message we know; the nearest one wins
   (In-Reply-To, then References from last to first).
3. ``tag``: the subject carries the conversation tag ``[#1234]`` (prefix: PARLEY_TICKET_PREFIX).
4. ``reply``: a message we already know names this one in its In-Reply-To — the reply came
   first (sync stores the new mail of all folders in date order, but a parent can still come
   later: a wrong Date, a folder enabled later, an import); the parent joins its reply's
   conversation.
5. ``subject``: guarded fallback — the same normalized subject (Re:/Fwd:/Odp:/AW:/… stripped)
   and a shared external participant within PARLEY_THREAD_SUBJECT_DAYS days (0 = off);
   never for bulk mail.

Otherwise the caller opens a new conversation. Ingest threads a whole batch at once
(``BatchThreader``: a fixed number of queries per batch, whatever its size), and a message
sees the messages before it in the same batch as if they were already stored. The
``reply`` rule is a reverse lookup on the indexed In-Reply-To column: one query per batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
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


@dataclass(frozen=True, slots=True)
class NewConversation:
    """A conversation the current batch opens: the ``index``-th one, created at write time."""

    index: int


# The pk of a stored conversation, or one the current batch opens.
ConversationRef = int | NewConversation


@dataclass(frozen=True, slots=True)
class ThreadMatch:
    conversation: ConversationRef
    rule: str  # "own", "references", "tag" or "subject"


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A stored (or earlier in the batch) message the subject fallback may pick."""

    conversation: ConversationRef
    normalized: str
    participants: frozenset[str]
    from_address: str
    outbound: bool
    when: datetime  # its Date, else when it was stored
    order: tuple[float, int]  # newest first: (-timestamp, -sequence)


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


def _participants(message: ParsedMessage) -> set[str]:
    lists = [message.from_, message.to, message.cc]
    return {str(a.get("address", "")) for group in lists for a in group} - {""}


def _stored_participants(from_address: str, to: object, cc: object) -> frozenset[str]:
    found = {from_address}
    for group in (to, cc):
        if isinstance(group, list):
            found.update(str(a.get("address", "")) for a in group if isinstance(a, dict))
    return frozenset(found - {""})


def _chain(parsed: ParsedMessage) -> list[str]:
    chain = [parsed.in_reply_to] if parsed.in_reply_to else []
    chain += reversed(parsed.references)
    return [mid for mid in chain if mid != parsed.identity.message_id]


def _chunks[T](values: Iterable[T], size: int = 500) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BatchThreader:
    """Threads a batch of new messages with a fixed number of queries.

    Everything the rules look up is fetched for the whole batch at construction: the messages
    named by any In-Reply-To/References (one ``message_id__in`` query per 500 ids), the
    conversations named by subject tags, the team's own addresses and the subject-fallback
    candidates (one query). Then ``find`` is called for each message in order, and ``add``
    tells the threader about a message just filed, so a reply later in the same batch finds
    its parent — exactly as if the batch had been stored one message at a time.
    """

    def __init__(self, *, team: Team, messages: Sequence[ParsedMessage]) -> None:
        self.team = team
        self.days: int = settings.PARLEY_THREAD_SUBJECT_DAYS
        self._by_id: dict[str, list[tuple[bool, ConversationRef]]] = {}
        # Message-ID -> the conversation of a known message answering it (In-Reply-To).
        self._replies: dict[str, ConversationRef] = {}
        self._tags: dict[int, int] = {}
        self._candidates: list[_Candidate] = []
        self._sequence = 0
        self._load_references(messages)
        self._load_tags(messages)
        self._load_replies(messages)
        self._own: set[str] | None = None
        self._load_candidates(messages)

    # Loading.

    def _load_references(self, messages: Sequence[ParsedMessage]) -> None:
        wanted = {mid for parsed in messages for mid in _chain(parsed)}
        for chunk in _chunks(sorted(wanted)):
            rows = (
                Message.objects.alive()
                .filter(
                    message_id__in=chunk,
                    conversation__team=self.team,
                    conversation__deleted_at__isnull=True,
                )
                .order_by("date", "pk")
                .values_list("message_id", "direction", "conversation_id")
            )
            for message_id, direction, conversation_id in rows:
                self._by_id.setdefault(message_id or "", []).append(
                    (direction == Direction.OUTBOUND, conversation_id)
                )

    def _load_tags(self, messages: Sequence[ParsedMessage]) -> None:
        numbers = {n for parsed in messages if (n := tag_number(parsed.subject)) is not None}
        for chunk in _chunks(sorted(numbers)):
            self._tags.update(
                Conversation.objects.alive()
                .filter(team=self.team, number__in=chunk)
                .values_list("number", "pk")
            )

    def _load_replies(self, messages: Sequence[ParsedMessage]) -> None:
        ids = {parsed.identity.message_id for parsed in messages if parsed.identity.message_id}
        for chunk in _chunks(sorted(ids)):
            rows = (
                Message.objects.alive()
                .filter(
                    in_reply_to__in=chunk,
                    conversation__team=self.team,
                    conversation__deleted_at__isnull=True,
                )
                .order_by("date", "pk")
                .values_list("in_reply_to", "conversation_id")
            )
            for in_reply_to, conversation_id in rows:
                self._replies.setdefault(in_reply_to, conversation_id)

    def _own_addresses(self) -> set[str]:
        if self._own is None:
            emails = Mailbox.objects.filter(team=self.team).values_list("email", flat=True)
            self._own = {email.strip().lower() for email in emails}
        return self._own

    def _fallback_wanted(self, parsed: ParsedMessage) -> tuple[str, set[str]] | None:
        """(normalized subject, external participants) if the subject rule may apply."""
        norm = normalize_subject(parsed.subject)
        if self.days <= 0 or parsed.flags.bulk or not norm:
            return None
        # The team's own mailbox addresses never count as the shared external participant.
        external = _participants(parsed) - self._own_addresses()
        return (norm, external) if external else None

    def _load_candidates(self, messages: Sequence[ParsedMessage]) -> None:
        norms: set[str] = set()
        external: set[str] = set()
        whens: list[datetime] = []
        for parsed in messages:
            if any(mid in self._by_id for mid in _chain(parsed)):
                continue  # threaded by its references; the tag and subject rules never run
            wanted = self._fallback_wanted(parsed)
            if wanted is None:
                continue
            norms.add(wanted[0])
            external |= wanted[1]
            whens.append(parsed.date or timezone.now())
        if not norms:
            return
        span = timedelta(days=self.days)
        low, high = min(whens) - span, max(whens) + span
        window = Q(date__range=(low, high)) | Q(date__isnull=True, created_at__range=(low, high))
        similar = Q()
        for norm in norms:
            # A prefix: SQLite refuses LIKE patterns over 50,000 bytes; equality is checked below.
            similar |= Q(subject__icontains=norm[:200])
        rows = (
            Message.objects.alive()
            .filter(window, conversation__team=self.team, conversation__deleted_at__isnull=True)
            .filter(similar, is_bulk=False)
            .filter(Q(from_address__in=sorted(external)) | Q(direction=Direction.OUTBOUND))
            .order_by()
            .values_list(
                "pk",
                "conversation_id",
                "subject",
                "from_address",
                "to",
                "cc",
                "date",
                "created_at",
                "direction",
            )
        )
        for pk, conversation_id, subject, from_address, to, cc, date, created_at, direction in rows:
            when = date or created_at
            self._candidates.append(
                _Candidate(
                    conversation=conversation_id,
                    normalized=normalize_subject(subject),
                    participants=_stored_participants(from_address, to, cc),
                    from_address=from_address,
                    outbound=direction == Direction.OUTBOUND,
                    when=when,
                    order=(-when.timestamp(), -pk),
                )
            )

    # Rules.

    def _by_references(self, parsed: ParsedMessage) -> ThreadMatch | None:
        chain = _chain(parsed)
        known = [
            (not outbound, rank, conversation)
            for rank, mid in enumerate(chain)
            for outbound, conversation in self._by_id.get(mid, ())
        ]
        if not known:
            return None
        # Our own message first, then the nearest one (In-Reply-To, then References last to
        # first); sorted() is stable, so equals keep the stored order.
        known.sort(key=lambda row: (row[0], row[1]))
        not_ours, _rank, conversation = known[0]
        return ThreadMatch(conversation, "references" if not_ours else "own")

    def _by_tag(self, parsed: ParsedMessage) -> ThreadMatch | None:
        number = tag_number(parsed.subject)
        if number is None or number not in self._tags:
            return None
        return ThreadMatch(self._tags[number], "tag")

    def _by_reply(self, parsed: ParsedMessage) -> ThreadMatch | None:
        message_id = parsed.identity.message_id
        if not message_id or message_id not in self._replies:
            return None
        return ThreadMatch(self._replies[message_id], "reply")

    def _by_subject(self, parsed: ParsedMessage) -> ThreadMatch | None:
        wanted = self._fallback_wanted(parsed)
        if wanted is None:
            return None
        norm, external = wanted
        when = parsed.date or timezone.now()
        span = timedelta(days=self.days)
        best: _Candidate | None = None
        for candidate in self._candidates:
            if candidate.normalized != norm or abs(candidate.when - when) > span:
                continue
            if not (candidate.outbound or candidate.from_address in external):
                continue
            if not candidate.participants & external:
                continue
            if best is None or candidate.order < best.order:
                best = candidate
        return ThreadMatch(best.conversation, "subject") if best is not None else None

    def find(self, parsed: ParsedMessage) -> ThreadMatch | None:
        """The conversation ``parsed`` continues (within the team), or None for a new one."""
        return (
            self._by_references(parsed)
            or self._by_tag(parsed)
            or self._by_reply(parsed)
            or self._by_subject(parsed)
        )

    def add(
        self, parsed: ParsedMessage, *, direction: Direction, conversation: ConversationRef
    ) -> None:
        """Make a message filed in this batch visible to the rules for the messages after it."""
        outbound = direction == Direction.OUTBOUND
        if parsed.identity.message_id:
            self._by_id.setdefault(parsed.identity.message_id, []).append((outbound, conversation))
        if parsed.in_reply_to:
            self._replies.setdefault(parsed.in_reply_to, conversation)
        if parsed.flags.bulk or self.days <= 0:
            return
        norm = normalize_subject(parsed.subject)
        if not norm:
            return
        self._sequence += 1
        when = parsed.date or timezone.now()
        sender = parsed.from_[0]["address"] if parsed.from_ else ""
        self._candidates.append(
            _Candidate(
                conversation=conversation,
                normalized=norm,
                participants=frozenset({sender} | {a["address"] for a in [*parsed.to, *parsed.cc]})
                - {""},
                from_address=sender,
                outbound=outbound,
                when=when,
                # Newer than any stored message with the same date.
                order=(-when.timestamp(), -(10**18) - self._sequence),
            )
        )


def find_conversation(*, parsed: ParsedMessage, team: Team) -> ThreadMatch | None:
    """The conversation ``parsed`` continues (within ``team``), or None for a new one."""
    return BatchThreader(team=team, messages=[parsed]).find(parsed)
