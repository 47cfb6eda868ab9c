from __future__ import annotations

from parley.contacts.checks import check_phone_region


def test_a_known_region_passes(settings):
    settings.PHONE_REGION = "DE"
    assert check_phone_region() == []


def test_an_unknown_region_is_an_error(settings):
    settings.PHONE_REGION = "XX"
    errors = check_phone_region()
    assert [error.id for error in errors] == ["contacts.E001"]
