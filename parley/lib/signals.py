"""Signals that let a lower layer tell a higher one about a write, without importing it.

Imports flow one way (docs/architecture.md): `mail` and `contacts` must not import `search`,
yet the search index must follow a GDPR erasure at once. The writer sends the signal; the
reader connects to it in its AppConfig.ready().
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `querysets=[...]` by a service that rewrites stored records in place (GDPR
# erasure redacts "immutable" messages), inside its transaction. Receivers run synchronously,
# so what they write commits or rolls back with the erasure: the search index rewrites the
# rows of these records.
records_rewritten = Signal()
