from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "parley.triage"
    label = "triage"
    verbose_name = "Triage"
