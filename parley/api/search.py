"""GET /api/v1/search?q=…: the same search as the web page, as JSON.

Hits are scoped like every list (another team's records are never returned nor counted).
Conversations are found by their messages and internal notes; leads are a kind of their own.
Snippets come as plain text with the character ranges of the matched words.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from parley.api.auth import request_user
from parley.search.services import Hit, search

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(description="A query in the search language (see docs/users.md).")
    kind: Literal["conversations", "contacts", "organizations", "leads"] | None = None
    limit: int = Field(20, ge=1, le=100, description="Hits per kind.")


class Snippet(Schema):
    text: str
    highlights: list[tuple[int, int]] = Field(description="[start, end) of matched words.")


class HitOut(Schema):
    kind: str
    id: int
    title: str
    snippet: Snippet
    score: float
    date: datetime | None
    message_id: int | None = Field(None, description="The best matching message (conversations).")
    note_id: int | None = Field(None, description="The matching internal note (conversations).")
    number: int | None = Field(None, description="The conversation number (#1234).")


class GroupOut(Schema):
    kind: str
    count: int
    more: bool = Field(description="True when there are more matches than `count` says.")
    hits: list[HitOut]


class SearchOut(Schema):
    query: str
    lag: int = Field(description="Records not yet indexed (the newest may be missing).")
    warnings: list[str]
    groups: list[GroupOut]


def _snippet(segments: list[tuple[str, bool]]) -> Snippet:
    text, highlights = "", []
    for part, marked in segments:
        if marked:
            highlights.append((len(text), len(text) + len(part)))
        text += part
    return Snippet(text=text, highlights=highlights)


def _hit(hit: Hit) -> HitOut:
    return HitOut(
        kind=hit.kind,
        id=hit.object.pk,
        title="".join(part for part, _ in hit.title),
        snippet=_snippet(hit.snippet),
        score=hit.score,
        date=hit.date,
        message_id=hit.message.pk if hit.message else None,
        note_id=hit.note.pk if hit.note else None,
        number=getattr(hit.object, "number", None),
    )


@router.get(
    "/search", response=SearchOut, summary="Search conversations, contacts, organizations, leads"
)
def search_everything(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    user = request_user(request)
    if not params.q.strip():
        raise HttpError(422, "q is required.")
    kinds = [params.kind] if params.kind else None
    results = search(user=user, q=params.q, kinds=kinds, limit=params.limit)
    return SearchOut(
        query=params.q,
        lag=results.lag,
        warnings=results.query.warnings,
        groups=[
            GroupOut(kind=g.kind, count=g.count, more=g.more, hits=[_hit(h) for h in g.hits])
            for g in results.groups
        ],
    )
