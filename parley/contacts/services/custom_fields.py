"""Writes to the definitions of a team's custom fields (Settings → Custom fields).

A definition's key and type never change once created (stored values depend on them); the
label, options, required flag, order and active flag do. Each function runs in
`transaction.atomic()` and has no other side effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import Contact, CustomField, FieldTarget, FieldType, Organization

if TYPE_CHECKING:
    from collections.abc import Sequence

    from parley.accounts.models import Team

CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})


def _clean_options(field_type: FieldType, options: Sequence[str]) -> list[str]:
    clean = list(dict.fromkeys(" ".join(o.split()) for o in options if o.strip()))
    if field_type in CHOICE_TYPES and not clean:
        raise ContactsError(_("A choice field needs at least one option."))
    if any(len(o) > 100 for o in clean):
        raise ContactsError(_("An option is at most 100 characters long."))
    return clean if field_type in CHOICE_TYPES else []


def _clean_label(label: str) -> str:
    clean = " ".join(label.split())
    if not clean or len(clean) > 100:
        raise ContactsError(_("A field needs a label of at most 100 characters."))
    return clean


def create_custom_field(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    team: Team,
    target: FieldTarget | str,
    label: str,
    field_type: FieldType | str,
    options: Sequence[str] = (),
    required: bool = False,
    key: str = "",
) -> CustomField:
    """Define a field; its key (derived from the label unless given) is used in filters,
    imports and the API (`custom.<key>`)."""
    kind = FieldType(field_type)
    clean = _clean_label(label)
    key = slugify(key or clean).replace("-", "_")[:50]
    if not key or not key[0].isalpha():
        raise ContactsError(_("The key must start with a letter."))
    with transaction.atomic():
        if CustomField.objects.filter(team=team, target=target, key=key).exists():
            raise DuplicateError(_("There is already a field “%(key)s”.") % {"key": key})
        last = CustomField.objects.filter(team=team, target=target).aggregate(Max("order"))
        return CustomField.objects.create(
            team=team,
            target=FieldTarget(target),
            key=key,
            label=clean,
            field_type=kind,
            options=_clean_options(kind, options),
            required=required,
            order=(last["order__max"] or 0) + 1,
        )


def update_custom_field(
    *,
    field: CustomField,
    label: str | None = None,
    options: Sequence[str] | None = None,
    required: bool | None = None,
    is_active: bool | None = None,
) -> CustomField:
    """Change what may change; stored values stay even when an option is removed."""
    changed: list[str] = []
    if label is not None:
        field.label = _clean_label(label)
        changed.append("label")
    if options is not None:
        field.options = _clean_options(FieldType(field.field_type), options)
        changed.append("options")
    if required is not None:
        field.required = required
        changed.append("required")
    if is_active is not None:
        field.is_active = is_active
        changed.append("is_active")
    with transaction.atomic():
        field.save(update_fields=changed)
    return field


def delete_custom_field(*, field: CustomField) -> int:
    """Delete the definition and its values on the team's records (deactivating keeps
    them); returns how many records lost a value. Record timelines are not touched."""
    model: type[Contact | Organization] = (
        Contact if field.target == FieldTarget.CONTACT else Organization
    )
    cleared = 0
    with transaction.atomic():
        records = model.objects.filter(team_id=field.team_id, custom__has_key=field.key)
        for record in records.only("pk", "custom"):
            record.custom = {k: v for k, v in record.custom.items() if k != field.key}
            record.save(update_fields=["custom"])
            cleared += 1
        field.delete()
    return cleared
