"""Canonical forms of e-mail addresses, phone numbers, NIPs and domains.

Contacts store, and matching looks up, only these forms, so an address or number written
differently (case, spaces, `0048…`, `+48 …`) still finds the same record. Pure functions: no
database access.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from parley.contacts.exceptions import (
    InvalidDomainError,
    InvalidEmailError,
    InvalidPhoneError,
    InvalidTaxIdError,
)

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_email(address: str) -> str:
    """The address lower-cased and normalized by email-validator, or InvalidEmailError."""
    try:
        info = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmailError(
            _("“%(address)s” is not a valid e-mail address: %(reason)s")
            % {"address": address, "reason": error}
        ) from None
    return info.normalized.lower()


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """The number in E.164 (`+48601234567`), or InvalidPhoneError.

    A number without a country code is read as a number of `region` (the PARLEY_PHONE_REGION
    setting by default); `0048…` and `+48 …` are both understood.
    """
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(_("“%(raw)s” is not a valid phone number.") % {"raw": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A number in E.164 written for people: national format at home, else international."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == settings.PHONE_REGION
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else None
    return phonenumbers.format_number(number, style or phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_tax_id(raw: str) -> str:
    """A Polish NIP as ten digits (separators and a `PL` prefix dropped), or InvalidTaxIdError."""
    digits = re.sub(r"[\s-]", "", raw.strip().upper()).removeprefix("PL")
    if not re.fullmatch(r"\d{10}", digits):
        raise InvalidTaxIdError(_("A NIP has ten digits; “%(raw)s” does not.") % {"raw": raw})
    checksum = sum(int(d) * w for d, w in zip(digits, NIP_WEIGHTS, strict=False)) % 11
    if checksum == 10 or checksum != int(digits[9]):
        raise InvalidTaxIdError(_("“%(raw)s” is not a valid NIP (checksum).") % {"raw": raw})
    return digits


def normalize_domain(raw: str) -> str:
    """A mail domain in lower case (IDNA for non-ASCII), or InvalidDomainError."""
    text = raw.strip().lower().removeprefix("@").rstrip(".")
    try:
        domain = text.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not _DOMAIN_RE.match(domain):
        raise InvalidDomainError(_("“%(raw)s” is not a mail domain.") % {"raw": raw})
    return domain


def domain_of(address: str) -> str:
    """The domain part of an (already normalized) e-mail address."""
    return address.rpartition("@")[2].lower()
