"""Request typing shared by the web views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from parley.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required`: `user` is a real User, `htmx` is set by
    django-htmx's middleware."""

    # Narrowed from User | AnonymousUser: every view using this type is login_required.
    user: User
    htmx: HtmxDetails
