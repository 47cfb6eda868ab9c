"""Filters of the calls list, shared by the web page and the API (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parley.calls.models import CallQuerySet


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFilters:
    direction: str | None = None
    result: str | None = None
    triage: str | None = None
    phase: str | None = None
    agent: int | None = None
    contact: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def filter_calls(calls: CallQuerySet, filters: CallFilters) -> CallQuerySet:
    """`calls` narrowed by every filter that is set."""
    exact = {
        "direction": filters.direction,
        "result": filters.result,
        "triage": filters.triage,
        "phase": filters.phase,
        "agent_id": filters.agent,
        "contact_id": filters.contact,
        "started_at__gte": filters.since,
        "started_at__lt": filters.until,
    }
    return calls.filter(**{key: value for key, value in exact.items() if value is not None})
