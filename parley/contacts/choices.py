"""Read a team's configurable lists: stage, position, acquisition source, account type and
lead status.

A team that never edited a list uses the built-in defaults below; the first edit in
Settings → Lists copies them into `ChoiceOption` rows (`parley.contacts.services.lists`).
Records store an option's key. Position and source start empty, which means "free text":
once a team adds entries to them, only those entries are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ChoiceKind, ChoiceOption, Stage

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.utils.functional import _StrPromise

DEFAULTS: dict[ChoiceKind, list[tuple[str, str | _StrPromise]]] = {
    ChoiceKind.STAGE: [(stage.value, stage.label) for stage in Stage],
    ChoiceKind.POSITION: [],
    ChoiceKind.SOURCE: [],
    ChoiceKind.ACCOUNT_TYPE: [
        ("customer", gettext_lazy("Customer")),
        ("partner", gettext_lazy("Partner")),
    ],
    ChoiceKind.LEAD_STATUS: [
        # A lead is masculine in Polish, a conversation feminine: same English, two words.
        ("new", pgettext_lazy("lead status", "New")),
        ("working", gettext_lazy("Working")),
        ("qualified", gettext_lazy("Qualified")),
        ("won", gettext_lazy("Won")),
        ("lost", gettext_lazy("Lost")),
    ],
}

# Lists where a record must always carry a value.
REQUIRED_KINDS = frozenset({ChoiceKind.STAGE, ChoiceKind.ACCOUNT_TYPE, ChoiceKind.LEAD_STATUS})


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    is_active: bool = True
    pk: int | None = None


def options_for(team_id: int, kind: ChoiceKind, *, inactive: bool = False) -> list[Option]:
    """The team's entries of one list in order (the defaults when it has none stored)."""
    rows = list(ChoiceOption.objects.filter(team_id=team_id, kind=kind))
    if not rows:
        return [Option(key=key, label=str(label)) for key, label in DEFAULTS[kind]]
    return [
        Option(key=row.key, label=row.label, is_active=row.is_active, pk=row.pk)
        for row in rows
        if inactive or row.is_active
    ]


def default_choice(team_id: int, kind: ChoiceKind) -> str:
    """The first active entry, which new records get unless told otherwise."""
    options = options_for(team_id, kind)
    return options[0].key if options else ""


def form_choices(team_id: int, kind: ChoiceKind, *, current: str = "") -> list[tuple[str, str]]:
    """(key, label) pairs for a select; keeps `current` even when it was deactivated."""
    options = options_for(team_id, kind, inactive=True)
    pairs = [(o.key, o.label) for o in options if o.is_active or o.key == current]
    if current and current not in {key for key, _label in pairs}:
        pairs.append((current, current))
    if kind not in REQUIRED_KINDS:
        pairs.insert(0, ("", "—"))
    return pairs


def check_choice(team_id: int, kind: ChoiceKind, value: str) -> str:
    """`value` stripped, or ContactsError when the team's list does not offer it."""
    value = value.strip()
    options = options_for(team_id, kind)
    if not value:
        if kind in REQUIRED_KINDS:
            raise ContactsError(_("%(list)s is required.") % {"list": kind.label})
        return value
    if not options and kind not in REQUIRED_KINDS:
        return value
    if value not in {option.key for option in options}:
        raise ContactsError(
            _("“%(value)s” is not in the list %(list)s.") % {"value": value, "list": kind.label}
        )
    return value


@dataclass(slots=True)
class ChoiceLabels:
    """Labels of stored keys for the teams a page shows, loaded in one query."""

    labels: dict[tuple[int, str, str], str] = field(default_factory=dict)
    defaults: dict[tuple[str, str], str] = field(default_factory=dict)

    def label(self, team_id: int, kind: str, key: str) -> str:
        found = self.labels.get((team_id, kind, key))
        if found is not None:
            return found
        return self.defaults.get((kind, key), key)


def labels_for_teams(team_ids: Iterable[int]) -> ChoiceLabels:
    labels = ChoiceLabels(
        defaults={
            (kind.value, key): str(label)
            for kind, entries in DEFAULTS.items()
            for key, label in entries
        }
    )
    for row in ChoiceOption.objects.filter(team_id__in=list(team_ids)):
        labels.labels[row.team_id, row.kind, row.key] = row.label
    return labels


def label_of(team_id: int, kind: ChoiceKind, key: str) -> str:
    """The label of one stored key (a record page shows a handful of these)."""
    return labels_for_teams([team_id]).label(team_id, kind, key)
