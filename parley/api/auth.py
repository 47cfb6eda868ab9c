from __future__ import annotations

from typing import Any, override

from django.http import HttpRequest
from ninja.security import HttpBearer

from parley.accounts.models import User
from parley.accounts.services import user_for_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer prl_…` with a personal API token."""

    @override
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is None:
            return None
        request.user = user
        return user


def request_user(request: HttpRequest) -> User:
    """The token's user: TokenAuth sets a real user on every authenticated call."""
    user = request.user
    assert isinstance(user, User)
    return user
