"""The generic PBX integration: a signed JSON webhook in, a signed JSON webhook out."""

from __future__ import annotations
