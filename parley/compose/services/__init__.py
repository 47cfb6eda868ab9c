"""Writes of the compose app, one module per concern: ``drafts`` (compose, queue, undo,
schedule), ``outbox`` (the worker's exactly-once sending, Sent copies, open tracking) and
``templates`` (canned responses, signatures)."""

from __future__ import annotations
