"""The search service: one entry point, `search`, whatever the database.

A query (`parley.search.query`) is matched against the index (`parley.search.backends`)
joined to the live records the user may see, through the same `visible_to(user)` querysets
as the lists: a deleted message, a merged-away contact or another team's conversation is never
a hit and never counted. Message and note hits are grouped into conversations; contacts,
organizations and leads are groups of their own. Each group is ranked (bm25 on SQLite,
ts_rank on PostgreSQL) among its newest RANK_WINDOW matches, so a word found in half of a
million messages costs about what a rare word costs (docs/decisions/0003-search.md), and
carries highlighted snippets. Read-only: it writes nothing; on PostgreSQL its queries share one
transaction only to scope a setting (`IndexBackend.searching`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.contacts.models import Contact, Lead, Organization
from parley.conversations.models import CLOSED_STATUSES, Conversation, Note
from parley.mail.models import Message
from parley.search.backends import SCORE, index_backend
from parley.search.indexer import (
    CONTACT,
    LEAD,
    MESSAGE,
    NOTE,
    ORGANIZATION,
    Kind,
    lag,
    nip_forms,
    phone_forms,
)
from parley.search.query import Column, ParsedQuery, parse
from parley.search.text import highlight

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from django.utils.functional import Promise

    from parley.accounts.models import User
    from parley.search.text import Needle

    Segments = list[tuple[str, bool]]

COUNT_CAP = 1000
# Matches ranked per group: the newest RANK_WINDOW by id. More than COUNT_CAP, so the
# candidates also give the capped count.
RANK_WINDOW = 2000
# Message hits read per conversation hit wanted: several messages of one thread often match.
MESSAGES_PER_CONVERSATION = 4
# Message columns a hit never shows: not read for the candidates of a page.
LARGE_FIELDS = ("html", "reply_text", "references", "parse_error")
LAG_CACHE_KEY = "search:lag"
LAG_SECONDS = 3


@dataclass(frozen=True)
class Hit:
    kind: str  # "conversation", "contact", "organization", "lead"
    object: Model
    title: Segments
    snippet: Segments
    score: float
    date: datetime | None = None
    # For a conversation hit: the best matching message, or the note that matched.
    message: Message | None = None
    note: Note | None = None


@dataclass
class Group:
    kind: str
    label: Promise
    hits: list[Hit]
    # Matching records (messages for conversations), at most COUNT_CAP; `more` when capped.
    count: int
    more: bool


@dataclass
class SearchResults:
    query: ParsedQuery
    groups: list[Group] = field(default_factory=list)
    lag: int = 0

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _conversation_filters[M: Model](
    records: QuerySet[M], user: User, query: ParsedQuery, date_field: str
) -> QuerySet[M]:
    """`records` (messages or notes) narrowed by the query's conversation operators."""
    if query.status == "open":
        records = records.exclude(conversation__status__in=CLOSED_STATUSES)
    elif query.status == "closed":
        records = records.filter(conversation__status__in=CLOSED_STATUSES)
    if query.assignee_me:
        records = records.filter(conversation__assignees=user)
    for name in query.queues:
        records = records.filter(conversation__queue__name__iexact=name)
    for name in query.tags:
        records = records.filter(conversation__tags__name__iexact=name)
    if query.before:
        records = records.filter(**{f"{date_field}__lt": _start_of(query.before)})
    if query.after:
        records = records.filter(**{f"{date_field}__gte": _start_of(query.after)})
    return records


def message_queryset(user: User, query: ParsedQuery) -> QuerySet[Message]:
    """The user's visible messages narrowed by the query's operators (not its words)."""
    messages = Message.objects.visible_to(user)
    if query.has_attachment:
        messages = messages.filter(has_attachments=True)
    return _conversation_filters(messages, user, query, "date")


def note_queryset(user: User, query: ParsedQuery) -> QuerySet[Note]:
    """The notes of the user's visible conversations narrowed by the query's operators.
    Notes have no attachments, subject or recipients: those operators find none."""
    columns = {term.column for term in query.terms} - {None, Column.SENDER}
    if query.has_attachment or columns or not query.terms:
        return Note.objects.none()
    notes = Note.objects.filter(conversation__in=Conversation.objects.visible_to(user))
    return _conversation_filters(notes, user, query, "created_at")


@dataclass
class Found[M: Model]:
    """One page of a kind's hits, best first, and how many records match (capped)."""

    rows: list[M]
    count: int
    more: bool


def find[M: Model](  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    records: QuerySet[M],
    query: ParsedQuery,
    kind: Kind,
    *,
    limit: int,
    newest: Sequence[str],
    window: int,
) -> Found[M]:
    """The best `limit` of `records` matching the query's words, ranked among the newest
    `window` matches (bounded work, see the module docstring); the count is capped at
    `window` too, below COUNT_CAP. Without words: the newest records by `newest`.
    `records` may carry select_related/prefetch_related."""
    if not query.terms:
        rows = list(records.order_by(*newest)[:limit])
        count, more = _count(records, len(rows), limit)
        return Found(rows, count, more)
    backend = index_backend()
    pks = backend.newest(records, base=kind.base, terms=query.terms, limit=window + 1)
    ranked = backend.match(records, base=kind.base, terms=query.terms, pks=pks[:window])
    cap = min(window, COUNT_CAP)
    return Found(list(ranked[:limit]), min(len(pks), cap), len(pks) > cap)


def _count(queryset: QuerySet[Any], fetched: int, asked: int) -> tuple[int, bool]:
    """How many records match, at most COUNT_CAP; no query when the first page held them all."""
    if fetched < asked:
        return fetched, False
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def _score(record: Model) -> float:
    return float(getattr(record, SCORE, 0.0) or 0.0)


def _message_hit(message: Message, needles: list[Needle]) -> Hit:
    return Hit(
        kind="conversation",
        object=message.conversation,
        title=highlight(message.subject or message.conversation.subject, needles),
        snippet=highlight(message.text or message.snippet, needles),
        score=_score(message),
        date=message.date,
        message=message,
    )


def _note_hit(note: Note, needles: list[Needle]) -> Hit:
    return Hit(
        kind="conversation",
        object=note.conversation,
        title=highlight(note.conversation.subject, needles),
        snippet=highlight(note.body, needles),
        score=_score(note),
        date=note.created_at,
        note=note,
    )


def conversation_group(user: User, query: ParsedQuery, limit: int, window: int) -> Group:
    """Conversations whose messages or notes match; each shows its best match."""
    needles = query.needles()
    asked = limit * MESSAGES_PER_CONVERSATION
    messages = find(
        message_queryset(user, query).select_related("conversation").defer(*LARGE_FIELDS),
        query,
        MESSAGE,
        limit=asked,
        newest=("-date", "-pk"),
        window=window,
    )
    notes = find(
        note_queryset(user, query).select_related("conversation", "author"),
        query,
        NOTE,
        limit=asked,
        newest=("-created_at", "-pk"),
        window=window,
    )
    # Stable: without words every score is 0 and the newest-first order is kept.
    records: list[Message | Note] = sorted([*messages.rows, *notes.rows], key=lambda r: -_score(r))
    best: dict[int, Message | Note] = {}
    for record in records:
        best.setdefault(record.conversation_id, record)
        if len(best) == limit:
            break
    hits = [
        _message_hit(r, needles) if isinstance(r, Message) else _note_hit(r, needles)
        for r in best.values()
    ]
    count = messages.count + notes.count
    more = messages.more or notes.more or count > COUNT_CAP
    return Group("conversations", _("Conversations"), hits, min(count, COUNT_CAP), more)


def _contact_text(contact: Contact) -> str:
    parts = [e.address for e in contact.emails.all()]
    parts += [f for p in contact.phones.all() for f in phone_forms(p.raw, p.e164)[:1]]
    parts += [contact.position, contact.organization.name if contact.organization else ""]
    return " · ".join(part for part in parts if part)


def _phone_matches(contact: Contact, needles: list[Needle]) -> str:
    """The first number of `contact` matched in any of its forms, shown as typed."""
    tokens = {n.token for n in needles}
    for phone in contact.phones.all():
        if tokens & {
            "".join(c for c in f if c.isdigit()) for f in phone_forms(phone.raw, phone.e164)
        }:
            return phone.raw
    return ""


def contact_group(user: User, query: ParsedQuery, limit: int, window: int) -> Group:
    contacts: QuerySet[Contact] = Contact.objects.visible_to(user)
    for name in query.tags:
        contacts = contacts.filter(tags__name__iexact=name)
    contacts = contacts.select_related("organization").prefetch_related("phones", "emails")
    found = find(
        contacts, query, CONTACT, limit=limit, newest=("-updated_at", "-pk"), window=window
    )
    needles = query.needles()
    hits = []
    for contact in found.rows:
        phone = _phone_matches(contact, needles)
        text = " · ".join(part for part in (phone, _contact_text(contact)) if part)
        hits.append(
            Hit(
                kind="contact",
                object=contact,
                title=highlight(contact.display_name, needles),
                snippet=highlight(text, needles),
                score=_score(contact),
                date=contact.updated_at,
            )
        )
    return Group("contacts", _("Contacts"), hits, found.count, found.more)


def organization_group(user: User, query: ParsedQuery, limit: int, window: int) -> Group:
    organizations: QuerySet[Organization] = Organization.objects.visible_to(user)
    for name in query.tags:
        organizations = organizations.filter(tags__name__iexact=name)
    organizations = organizations.prefetch_related("domains")
    found = find(
        organizations,
        query,
        ORGANIZATION,
        limit=limit,
        newest=("-updated_at", "-pk"),
        window=window,
    )
    needles = query.needles()
    hits = []
    for organization in found.rows:
        parts = [d.domain for d in organization.domains.all()]
        parts += [nip_forms(organization.tax_id)[-1] if organization.tax_id else ""]
        parts += [organization.city]
        hits.append(
            Hit(
                kind="organization",
                object=organization,
                title=highlight(organization.name, needles),
                snippet=highlight(" · ".join(p for p in parts if p), needles),
                score=_score(organization),
                date=organization.updated_at,
            )
        )
    return Group("organizations", _("Organizations"), hits, found.count, found.more)


def lead_group(user: User, query: ParsedQuery, limit: int, window: int) -> Group:
    """Leads of the user's teams; leads have no tags, so tag: finds none."""
    leads: QuerySet[Lead] = Lead.objects.none() if query.tags else Lead.objects.visible_to(user)
    found = find(leads, query, LEAD, limit=limit, newest=("-updated_at", "-pk"), window=window)
    needles = query.needles()
    hits = []
    for lead in found.rows:
        parts = [lead.contact_name, lead.company, lead.email, lead.phone_raw, lead.description]
        hits.append(
            Hit(
                kind="lead",
                object=lead,
                title=highlight(f"{lead.code} {lead.name}", needles),
                snippet=highlight(" · ".join(p for p in parts if p), needles),
                score=_score(lead),
                date=lead.updated_at,
            )
        )
    return Group("leads", _("Leads"), hits, found.count, found.more)


def _cached_lag() -> int:
    """The index lag, counted at most every LAG_SECONDS per process: it changes slowly and
    costs a few queries."""
    value = cache.get(LAG_CACHE_KEY)
    if value is None:
        value = lag()
        cache.set(LAG_CACHE_KEY, value, LAG_SECONDS)
    return int(value)


GROUPS: dict[str, Callable[[User, ParsedQuery, int, int], Group]] = {
    "conversations": conversation_group,
    "contacts": contact_group,
    "organizations": organization_group,
    "leads": lead_group,
}


def search(
    *,
    user: User,
    q: str,
    kinds: Sequence[str] | None = None,
    limit: int = 20,
    window: int | None = None,
) -> SearchResults:
    """Search everything `user` may read. `kinds` picks groups (default: all that apply);
    `limit` caps the hits per group. Empty groups are left out. Each group is ranked among
    its newest `window` matches (RANK_WINDOW by default), which also caps its count: the
    instant search, which shows no counts, ranks fewer to answer each keystroke sooner."""
    window = window or RANK_WINDOW
    query = parse(q)
    results = SearchResults(query=query, lag=_cached_lag())
    if query.is_empty:
        return results
    with index_backend().searching():
        for kind, build in GROUPS.items():
            if kinds and kind not in kinds:
                continue
            if query.message_only and kind != "conversations":
                continue
            group = build(user, query, limit, window)
            if group.count:
                results.groups.append(group)
    return results
