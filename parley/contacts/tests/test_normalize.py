from __future__ import annotations

import pytest

from parley.contacts.exceptions import (
    InvalidDomainError,
    InvalidEmailError,
    InvalidPhoneError,
    InvalidTaxIdError,
)
from parley.contacts.normalize import (
    format_phone,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_tax_id,
)


@pytest.mark.parametrize(
    "raw",
    ["601 234 567", "601-234-567", "+48 601 234 567", "0048601234567", "(+48) 601 234 567"],
)
def test_it_reads_polish_numbers_written_in_many_ways(raw):
    assert normalize_phone(raw) == "+48601234567"


def test_it_reads_a_polish_landline():
    assert normalize_phone("22 628 12 34") == "+48226281234"


def test_it_keeps_foreign_numbers_with_their_country_code():
    assert normalize_phone("+49 30 12345678") == "+493012345678"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_it_reads_numbers_without_a_country_code_in_the_given_region():
    assert normalize_phone("030 12345678", region="DE") == "+493012345678"


def test_it_uses_the_phone_region_setting(settings):
    settings.PHONE_REGION = "DE"
    assert normalize_phone("030 12345678") == "+493012345678"


@pytest.mark.parametrize("raw", ["", "12", "not a number", "+48 123", "601 234 567 890 12"])
def test_it_rejects_invalid_numbers(raw):
    with pytest.raises(InvalidPhoneError):
        normalize_phone(raw)


def test_it_formats_home_numbers_nationally_and_others_internationally():
    assert format_phone("+48601234567") == "601 234 567"
    assert format_phone("+493012345678") == "+49 30 12345678"


def test_it_lower_cases_e_mail_addresses():
    assert normalize_email("  Jan.Kowalski@Example.PL ") == "jan.kowalski@example.pl"


@pytest.mark.parametrize("raw", ["", "jan", "jan@", "@example.pl", "jan kowalski@example.pl"])
def test_it_rejects_invalid_e_mail_addresses(raw):
    with pytest.raises(InvalidEmailError):
        normalize_email(raw)


@pytest.mark.parametrize("raw", ["7792400019", "779-240-00-19", "PL 779 240 00 19", "pl7792400019"])
def test_it_accepts_a_nip_with_a_valid_checksum(raw):
    assert normalize_tax_id(raw) == "7792400019"


@pytest.mark.parametrize("raw", ["7792400018", "779240001", "77924000190", "abcdefghij"])
def test_it_rejects_a_nip_with_a_wrong_checksum_or_length(raw):
    with pytest.raises(InvalidTaxIdError):
        normalize_tax_id(raw)


def test_it_rejects_a_nip_whose_checksum_is_ten():
    # 526000123 weighs to 10 modulo 11: no check digit can make it valid.
    with pytest.raises(InvalidTaxIdError):
        normalize_tax_id("5260001230")


def test_it_normalizes_domains():
    assert normalize_domain(" @Example.PL. ") == "example.pl"
    assert normalize_domain("żółw.pl") == "xn--w-uga1v8h.pl"


@pytest.mark.parametrize("raw", ["", "localhost", "exa mple.pl", "-bad.pl"])
def test_it_rejects_non_domains(raw):
    with pytest.raises(InvalidDomainError):
        normalize_domain(raw)
