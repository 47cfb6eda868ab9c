"""Create, rename and delete a team's contact and organization tags (the API's tag CRUD;
the forms add tags by name through `parley.contacts.services`, which cleans the name with
`clean_tag_name` here).

Each call runs in `transaction.atomic()`; no side effect beyond the database. Deleting a
tag removes it from every contact and organization, not the records themselves.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Team
from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import Tag

MAX_LENGTH = 50


def clean_tag_name(name: str) -> str:
    """The name with its whitespace collapsed; ContactsError when empty or too long. Every
    way of naming a tag (these functions, and adding one by name to a record) cleans here."""
    clean = " ".join(name.split())
    if not clean:
        raise ContactsError(_("A tag needs a name."))
    if len(clean) > MAX_LENGTH:
        raise ContactsError(_("A tag name is at most 50 characters long."))
    return clean


def _check_free(team_id: int, name: str, *, but: Tag | None = None) -> None:
    taken = Tag.objects.filter(team_id=team_id, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise DuplicateError(_("The team already has the tag %(name)s.") % {"name": name})


def create_tag(*, team: Team, name: str) -> Tag:
    """A new tag; DuplicateError when the team has one of that name (any case)."""
    clean = clean_tag_name(name)
    with transaction.atomic():
        _check_free(team.pk, clean)
        return Tag.objects.create(team=team, name=clean)


def rename_tag(*, tag: Tag, name: str) -> Tag:
    clean = clean_tag_name(name)
    with transaction.atomic():
        _check_free(tag.team_id, clean, but=tag)
        tag.name = clean
        tag.save(update_fields=["name"])
        _touch_tagged(tag)
    return tag


def delete_tag(*, tag: Tag) -> None:
    with transaction.atomic():
        _touch_tagged(tag)
        tag.delete()


def _touch_tagged(tag: Tag) -> None:
    """Mark the tag's contacts and organizations changed: the search index holds tag names
    and picks up changed records by `updated_at`."""
    now = timezone.now()
    tag.contacts.update(updated_at=now)
    tag.organizations.update(updated_at=now)
