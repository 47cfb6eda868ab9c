"""How an API handler turns a refusal into a JSON answer: a reader's write (PermissionDenied)
is 403, a user's mistake (the app's exception, its message shown as is) is 422.

Routers call `answers(TheirError)` around a lookup or a service call instead of each keeping a
copy of the same try/except.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from ninja.errors import HttpError

FORBIDDEN = "You may read but not change this team's records."


@contextmanager
def answers(*mistakes: type[Exception], forbidden: str = FORBIDDEN) -> Iterator[None]:
    """403 with `forbidden` for PermissionDenied, 422 with the message for `mistakes`."""
    try:
        yield
    except PermissionDenied:
        raise HttpError(403, forbidden) from None
    except mistakes as error:
        raise HttpError(422, str(error)) from None
