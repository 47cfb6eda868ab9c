"""Search index bookkeeping: how far the indexer has got, per kind of record.

The index itself is not a Django model: it is an SQLite FTS5 virtual table or a PostgreSQL
table with a tsvector column, created by this app's migrations and written only through
`parley.search.backends`. See docs/decisions/0003-search.md.
"""

from __future__ import annotations

from typing import override

from django.db import models
from django.utils import timezone


class IndexState(models.Model):
    """The indexer's high-water mark for one kind (`message`, `contact`, ...)."""

    kind = models.CharField(max_length=32, primary_key=True)
    # Immutable records (messages) are indexed in primary-key order.
    last_pk = models.BigIntegerField(default=0)
    # Editable records (contacts, organizations) are indexed in updated_at order.
    last_updated_at = models.DateTimeField(null=True, blank=True)
    last_sweep_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    @override
    def __str__(self) -> str:
        return f"{self.kind} up to {self.last_pk or self.last_updated_at}"
