"""The search service: one entry point, `search`, whatever the database.

A query (`parley.search.query`) is matched against the index (`parley.search.backends`)
joined to the live records the user may see, through the same `visible_to(user)` querysets
as the lists: a deleted message, a merged-away contact or another team's conversation is never
a hit and never counted. Message hits are grouped into conversations; each group is ranked
(bm25 on SQLite, ts_rank on PostgreSQL) and carries highlighted snippets. Read-only: it
writes nothing, so it opens no transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.contacts.models import Contact, Organization
from parley.conversations.models import CLOSED_STATUSES, Conversation
from parley.mail.models import Message
from parley.search.backends import SCORE, index_backend
from parley.search.indexer import CONTACT, MESSAGE, ORGANIZATION, lag, nip_forms, phone_forms
from parley.search.query import ParsedQuery, parse
from parley.search.text import highlight

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from django.utils.functional import Promise

    from parley.accounts.models import User
    from parley.search.text import Needle

    Segments = list[tuple[str, bool]]

COUNT_CAP = 1000
# Message hits read per conversation hit wanted: several messages of one thread often match.
MESSAGES_PER_CONVERSATION = 4
LAG_CACHE_KEY = "search:lag"
LAG_SECONDS = 3


@dataclass(frozen=True)
class Hit:
    kind: str  # "conversation", "contact", "organization"
    object: Model
    title: Segments
    snippet: Segments
    score: float
    date: datetime | None = None
    message: Message | None = None


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


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def message_queryset(user: User, query: ParsedQuery) -> QuerySet[Message]:
    """The user's visible messages narrowed by the query's operators (not its words)."""
    messages = Message.objects.visible_to(user)
    if query.has_attachment:
        messages = messages.filter(has_attachments=True)
    if query.status == "open":
        messages = messages.exclude(conversation__status__in=CLOSED_STATUSES)
    elif query.status == "closed":
        messages = messages.filter(conversation__status__in=CLOSED_STATUSES)
    if query.assignee_me:
        messages = messages.filter(conversation__assignees=user)
    for name in query.queues:
        messages = messages.filter(conversation__queue__name__iexact=name)
    for name in query.tags:
        # Conversation tags arrive with the inbox issue; until then tag: finds no messages.
        if not _has_field(Conversation, "tags"):
            return messages.none()
        messages = messages.filter(conversation__tags__name__iexact=name)
    if query.before:
        messages = messages.filter(date__lt=_start_of(query.before))
    if query.after:
        messages = messages.filter(date__gte=_start_of(query.after))
    return messages


def _ranked[M: Model](queryset: QuerySet[M], query: ParsedQuery, base: int) -> QuerySet[M]:
    if not query.terms:
        return queryset
    return index_backend().match(queryset, base=base, terms=query.terms)


def _count(queryset: QuerySet[Any], fetched: int, asked: int) -> tuple[int, bool]:
    """How many records match, at most COUNT_CAP; no query when the first page held them all."""
    if fetched < asked:
        return fetched, False
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def _score(record: Model) -> float:
    return float(getattr(record, SCORE, 0.0) or 0.0)


def conversation_group(user: User, query: ParsedQuery, limit: int) -> Group:
    messages = _ranked(message_queryset(user, query), query, MESSAGE.base)
    if not query.terms:
        messages = messages.order_by("-date", "-pk")
    needles = query.needles()
    hits: dict[int, Hit] = {}
    asked = limit * MESSAGES_PER_CONVERSATION
    rows = list(messages.select_related("conversation")[:asked])
    for message in rows:
        if message.conversation_id in hits:
            continue
        hits[message.conversation_id] = Hit(
            kind="conversation",
            object=message.conversation,
            title=highlight(message.subject or message.conversation.subject, needles),
            snippet=highlight(message.text or message.snippet, needles),
            score=_score(message),
            date=message.date,
            message=message,
        )
        if len(hits) == limit:
            break
    count, more = _count(messages, len(rows), asked)
    return Group("conversations", _("Conversations"), list(hits.values()), count, more)


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


def contact_group(user: User, query: ParsedQuery, limit: int) -> Group:
    contacts: QuerySet[Contact] = Contact.objects.visible_to(user)
    for name in query.tags:
        contacts = contacts.filter(tags__name__iexact=name)
    contacts = _ranked(contacts, query, CONTACT.base)
    if not query.terms:
        contacts = contacts.order_by("-updated_at", "-pk")
    needles = query.needles()
    rows = list(
        contacts.select_related("organization").prefetch_related("phones", "emails")[:limit]
    )
    hits = []
    for contact in rows:
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
    count, more = _count(contacts, len(rows), limit)
    return Group("contacts", _("Contacts"), hits, count, more)


def organization_group(user: User, query: ParsedQuery, limit: int) -> Group:
    organizations: QuerySet[Organization] = Organization.objects.visible_to(user)
    for name in query.tags:
        organizations = organizations.filter(tags__name__iexact=name)
    organizations = _ranked(organizations, query, ORGANIZATION.base)
    if not query.terms:
        organizations = organizations.order_by("-updated_at", "-pk")
    needles = query.needles()
    hits = []
    rows = list(organizations.prefetch_related("domains")[:limit])
    for organization in rows:
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
    count, more = _count(organizations, len(rows), limit)
    return Group("organizations", _("Organizations"), hits, count, more)


def _cached_lag() -> int:
    """The index lag, counted at most every LAG_SECONDS per process: it changes slowly and
    costs a few queries."""
    value = cache.get(LAG_CACHE_KEY)
    if value is None:
        value = lag()
        cache.set(LAG_CACHE_KEY, value, LAG_SECONDS)
    return int(value)


GROUPS: dict[str, Callable[[User, ParsedQuery, int], Group]] = {
    "conversations": conversation_group,
    "contacts": contact_group,
    "organizations": organization_group,
}


def search(
    *, user: User, q: str, kinds: Sequence[str] | None = None, limit: int = 20
) -> SearchResults:
    """Search everything `user` may read. `kinds` picks groups (default: all that apply);
    `limit` caps the hits per group. Empty groups are left out."""
    query = parse(q)
    results = SearchResults(query=query, lag=_cached_lag())
    if query.is_empty:
        return results
    for kind, build in GROUPS.items():
        if kinds and kind not in kinds:
            continue
        if query.message_only and kind != "conversations":
            continue
        group = build(user, query, limit)
        if group.count:
            results.groups.append(group)
    return results
