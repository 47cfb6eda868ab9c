from __future__ import annotations

from typing import override

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "parley.search"
    label = "search"
    verbose_name = _("Search")

    @override
    def ready(self) -> None:
        from parley.lib.signals import records_rewritten
        from parley.search.indexer import on_records_rewritten

        records_rewritten.connect(on_records_rewritten, dispatch_uid="search-refresh")
