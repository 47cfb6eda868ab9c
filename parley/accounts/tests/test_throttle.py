from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from parley.accounts.models import LoginAttempt
from parley.accounts.services import clear_attempts, record_attempt, throttle_wait_seconds

pytestmark = pytest.mark.django_db
KEY = {"scope": "login", "email": "Bob@Example.com", "ip": "10.0.0.1"}


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2, LOGIN_THROTTLE_WINDOW_SECONDS=600)
def test_it_allows_attempts_below_the_limit():
    record_attempt(**KEY)
    assert throttle_wait_seconds(**KEY) == 0


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2, LOGIN_THROTTLE_WINDOW_SECONDS=600)
def test_it_blocks_until_the_oldest_attempt_leaves_the_window():
    record_attempt(**KEY)
    record_attempt(**KEY)
    LoginAttempt.objects.update(created_at=timezone.now() - timedelta(seconds=500))
    assert 95 <= throttle_wait_seconds(**KEY) <= 100


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2, LOGIN_THROTTLE_WINDOW_SECONDS=600)
def test_it_ignores_the_case_of_the_email():
    record_attempt(**KEY)
    record_attempt(**{**KEY, "email": "bob@example.com"})
    assert throttle_wait_seconds(**KEY) > 0


@override_settings(LOGIN_THROTTLE_ATTEMPTS=1, LOGIN_THROTTLE_WINDOW_SECONDS=60)
def test_it_deletes_expired_attempts():
    record_attempt(**KEY)
    LoginAttempt.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert throttle_wait_seconds(**KEY) == 0
    record_attempt(**{**KEY, "ip": "10.0.0.2"})
    assert LoginAttempt.objects.count() == 1


@override_settings(LOGIN_THROTTLE_ATTEMPTS=1)
def test_clearing_forgets_only_that_key():
    record_attempt(**KEY)
    record_attempt(**{**KEY, "scope": "reset"})
    clear_attempts(**KEY)
    assert throttle_wait_seconds(**KEY) == 0
    assert throttle_wait_seconds(**{**KEY, "scope": "reset"}) > 0
