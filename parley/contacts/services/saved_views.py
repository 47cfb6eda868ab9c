"""Save and delete named list views (LV1). No side effect beyond the database."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from parley.accounts.models import User
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import SavedView

# Pagination is not part of a view: opening it starts at the first page.
DROPPED_PARAMS = frozenset({"after", "page", "csrfmiddlewaretoken"})


def save_view(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *, owner: User, team_id: int, target: str, name: str, query: str, is_shared: bool
) -> SavedView:
    """Save the list's query string under `name` (replacing the owner's view of that name)."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 100:
        raise ContactsError(_("A view needs a name of at most 100 characters."))
    pairs = [
        (k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in DROPPED_PARAMS
    ]
    encoded = urlencode(pairs)
    if len(encoded) > 2000:
        raise ContactsError(_("This view has too many filters to save."))
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            owner=owner,
            target=target,
            name=clean,
            defaults={"team_id": team_id, "query": encoded, "is_shared": is_shared},
        )
    return view


def delete_view(*, view: SavedView) -> None:
    with transaction.atomic():
        view.delete()
