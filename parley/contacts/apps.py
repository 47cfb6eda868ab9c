from __future__ import annotations

from typing import override

from django.apps import AppConfig
from django.core import checks


class ContactsConfig(AppConfig):
    name = "parley.contacts"
    label = "contacts"

    @override
    def ready(self) -> None:
        from parley.contacts.checks import check_phone_region

        checks.register(check_phone_region)
