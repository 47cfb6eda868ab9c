"""System checks: a wrong PARLEY_PHONE_REGION fails at start-up, not on the first number."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.conf import settings
from django.core.checks import CheckMessage, Error


def check_phone_region(**kwargs: Any) -> list[CheckMessage]:
    if settings.PHONE_REGION in phonenumbers.SUPPORTED_REGIONS:
        return []
    return [
        Error(
            f"PARLEY_PHONE_REGION={settings.PHONE_REGION!r} is not a region phonenumbers knows.",
            hint="Use a two-letter country code such as PL, DE or GB.",
            id="contacts.E001",
        )
    ]
