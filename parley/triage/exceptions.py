"""Errors of the triage app: the user's mistakes, shown to them."""

from __future__ import annotations


class TriageError(Exception):
    """A triage action that cannot be done (another team's record, bad input)."""
