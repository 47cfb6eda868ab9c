from __future__ import annotations

from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "parley.calls"
    label = "calls"
