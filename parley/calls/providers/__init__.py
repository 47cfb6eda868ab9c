"""Telephony providers: one folder per kind of PBX integration (STYLE.md section 1)."""

from __future__ import annotations
