"""Template helpers for the application shell."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from parley.accounts import access
from parley.accounts.models import User

register = template.Library()


@register.simple_tag
def first_url(*names: str) -> str:
    """The URL of the first of `names` that exists, else "".

    Navigation links to screens that later issues add; until a screen exists its link is
    shown disabled instead of breaking the page.
    """
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@register.filter
def is_site_admin(user: User) -> bool:
    return access.is_site_admin(user)


@register.filter
def nav_current(path: str, url: str) -> bool:
    """Whether the navigation link to `url` is the section of `path`.

    A section owns the paths under its URL: /inbox/ highlights Inbox, but /settings/inbox/
    belongs to Settings (a substring match would highlight both).
    """
    if not url:
        return False
    return path == url or (url != "/" and path.startswith(url))
