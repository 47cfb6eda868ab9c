from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComposeConfig(AppConfig):
    name = "parley.compose"
    label = "compose"
    verbose_name = _("Composing and sending")
