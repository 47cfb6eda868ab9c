from __future__ import annotations

import pytest

from parley.mail.exceptions import SecretError
from parley.mail.secrets import decrypt_secret, encrypt_secret


def test_a_secret_round_trips_and_is_not_stored_in_clear():
    token = encrypt_secret("hunter2-zażółć")
    assert "hunter2" not in token
    assert decrypt_secret(token) == "hunter2-zażółć"


def test_each_encryption_differs():
    assert encrypt_secret("same") != encrypt_secret("same")


def test_empty_secrets_stay_empty():
    assert encrypt_secret("") == ""
    assert decrypt_secret("") == ""


def test_another_key_cannot_decrypt(settings):
    token = encrypt_secret("pw")
    settings.SECRET_KEY = "a-completely-different-key-for-this-test-only"
    with pytest.raises(SecretError, match="PARLEY_SECRET_KEY"):
        decrypt_secret(token)


def test_an_old_key_in_fallbacks_still_decrypts(settings):
    token = encrypt_secret("pw")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-after-rotation-0123456789"
    assert decrypt_secret(token) == "pw"
