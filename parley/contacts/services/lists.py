"""Writes to a team's configurable lists (Settings → Lists).

The first change to a list copies the built-in defaults into rows, so what a team saw is
what it edits. Keys never change (records store them); labels can be renamed and entries
deactivated. Each function runs in `transaction.atomic()` and has no other side effect.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parley.accounts.models import Team
from parley.contacts.choices import DEFAULTS
from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import ChoiceKind, ChoiceOption


def _materialize(team: Team, kind: ChoiceKind) -> None:
    if ChoiceOption.objects.filter(team=team, kind=kind).exists():
        return
    ChoiceOption.objects.bulk_create(
        ChoiceOption(team=team, kind=kind, key=key, label=str(label), order=index)
        for index, (key, label) in enumerate(DEFAULTS[kind])
    )


def _clean_label(label: str) -> str:
    clean = " ".join(label.split())
    if not clean:
        raise ContactsError(_("An entry needs a label."))
    if len(clean) > 100:
        raise ContactsError(_("A label is at most 100 characters long."))
    return clean


def add_choice_option(*, team: Team, kind: ChoiceKind, label: str, key: str = "") -> ChoiceOption:
    """Append an entry to the list; the key defaults to the slug of the label."""
    clean = _clean_label(label)
    key = (key.strip() or slugify(clean) or clean)[:100]
    with transaction.atomic():
        _materialize(team, kind)
        if ChoiceOption.objects.filter(team=team, kind=kind, key=key).exists():
            raise DuplicateError(_("The list already has the entry “%(key)s”.") % {"key": key})
        last = ChoiceOption.objects.filter(team=team, kind=kind).aggregate(Max("order"))
        return ChoiceOption.objects.create(
            team=team, kind=kind, key=key, label=clean, order=(last["order__max"] or 0) + 1
        )


def ensure_choice_option(*, team: Team, kind: ChoiceKind, key: str) -> ChoiceOption:
    """The stored entry with `key`, materializing the defaults first (for editing it)."""
    with transaction.atomic():
        _materialize(team, kind)
        option = ChoiceOption.objects.filter(team=team, kind=kind, key=key).first()
        if option is None:
            raise ContactsError(_("No such entry."))
        return option


def update_choice_option(
    *, option: ChoiceOption, label: str | None = None, is_active: bool | None = None
) -> ChoiceOption:
    """Rename or (de)activate an entry; records keep their key either way."""
    fields: list[str] = []
    if label is not None:
        option.label = _clean_label(label)
        fields.append("label")
    if is_active is not None:
        option.is_active = is_active
        fields.append("is_active")
    with transaction.atomic():
        option.save(update_fields=fields)
    return option


def move_choice_option(*, option: ChoiceOption, up: bool) -> None:
    """Swap the entry with its neighbour above (or below)."""
    with transaction.atomic():
        siblings = list(ChoiceOption.objects.filter(team_id=option.team_id, kind=option.kind))
        index = next(i for i, row in enumerate(siblings) if row.pk == option.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(siblings):
            return
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, row in enumerate(siblings):
            if row.order != position:
                row.order = position
                row.save(update_fields=["order"])
