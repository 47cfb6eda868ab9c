"""The only write path for `parley.calls` (STYLE.md section 3), one module per area:
`calls` (ingestion, matching, triage), `meetings` (phone meetings, reminders, agenda feeds)
and `setup` (webhook secrets, extensions, projects, click-to-call)."""

from __future__ import annotations
