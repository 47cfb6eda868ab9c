"""Read and check the values of a team's custom fields on contacts and organizations.

Definitions are `CustomField` rows (Settings → Custom fields). Values are stored in the
record's `custom` JSON column, which is parsed at this boundary through `CustomValues`.
`clean_custom_values` is what services call before saving: it converts form and API input
to the stored types and enforces required fields and choice options.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _
from pydantic import TypeAdapter

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, CustomField, FieldTarget, FieldType, Organization

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from django.db.models import QuerySet

type CustomValue = str | int | float | list[str]

CustomValues: TypeAdapter[dict[str, CustomValue]] = TypeAdapter(dict[str, CustomValue])

MAX_TEXT = 1000


def parse_custom(raw: object) -> dict[str, CustomValue]:
    """The stored column, checked (a hand-edited row with another shape raises)."""
    return CustomValues.validate_python(raw or {})


def definitions_for(
    team_ids: Iterable[int], target: FieldTarget, *, inactive: bool = False
) -> list[CustomField]:
    fields = CustomField.objects.filter(team_id__in=list(team_ids), target=target)
    if not inactive:
        fields = fields.filter(is_active=True)
    return list(fields)


def _number(definition: CustomField, value: object) -> int | float:
    if isinstance(value, bool):
        raise ContactsError(_("%(field)s must be a number.") % {"field": definition.label})
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ContactsError(
            _("%(field)s must be a number.") % {"field": definition.label}
        ) from None
    if not number.is_finite():
        raise ContactsError(_("%(field)s must be a number.") % {"field": definition.label})
    return int(number) if number == number.to_integral_value() else float(number)


def _date(definition: CustomField, value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ContactsError(
            _("%(field)s must be a date (YYYY-MM-DD).") % {"field": definition.label}
        ) from None


def _options(definition: CustomField, values: list[str]) -> list[str]:
    allowed = [str(option) for option in definition.options]
    for value in values:
        if value not in allowed:
            raise ContactsError(
                _("“%(value)s” is not an option of %(field)s.")
                % {"value": value, "field": definition.label}
            )
    return [option for option in allowed if option in values]


def _is_empty(value: object) -> bool:
    return value is None or value in ("", [], ())


def convert_value(definition: CustomField, value: object) -> CustomValue | None:
    """Input for one field in its stored type; None means "no value"."""
    if _is_empty(value) or (isinstance(value, str) and not value.strip()):
        return None
    match definition.field_type:
        case FieldType.NUMBER:
            return _number(definition, value)
        case FieldType.DATE:
            return _date(definition, value)
        case FieldType.CHOICE:
            return _options(definition, [str(value).strip()])[0]
        case FieldType.MULTI_CHOICE:
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)):
                raise ContactsError(_("%(field)s takes a list.") % {"field": definition.label})
            return _options(definition, [str(item).strip() for item in items if str(item).strip()])
        case _:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                raise ContactsError(_("%(field)s is too long.") % {"field": definition.label})
            return text


def clean_custom_values(
    team_id: int,
    target: FieldTarget,
    values: Mapping[str, object],
    *,
    current: Mapping[str, object] | None = None,
) -> dict[str, CustomValue]:
    """`current` with `values` applied, converted and checked against the definitions.

    Raises ContactsError for an unknown field, a value of the wrong type or a missing
    required field. Values of deactivated fields already stored are kept.
    """
    definitions = {d.key: d for d in definitions_for([team_id], target)}
    merged = parse_custom(dict(current or {}))
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise ContactsError(_("There is no custom field “%(key)s”.") % {"key": key})
        converted = convert_value(definition, value)
        if converted is None or converted == []:
            merged.pop(key, None)
        else:
            merged[key] = converted
    missing = [d.label for d in definitions.values() if d.required and key_missing(merged, d)]
    if missing:
        raise ContactsError(_("Required: %(fields)s.") % {"fields": ", ".join(missing)})
    return merged


def key_missing(values: Mapping[str, object], definition: CustomField) -> bool:
    return _is_empty(values.get(definition.key))


def display_value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def custom_display(record: Contact | Organization, target: FieldTarget) -> list[tuple[str, str]]:
    """(label, value) of the record's custom fields with a value, in definition order."""
    values = parse_custom(record.custom)
    return [
        (d.label, display_value(values[d.key]))
        for d in definitions_for([record.team_id], target, inactive=True)
        if d.key in values
    ]


def filter_custom[Q_T: QuerySet[Any]](
    records: Q_T, definitions: Iterable[CustomField], params: Mapping[str, str]
) -> Q_T:
    """Records whose custom field matches `params["cf_<key>"]`: text contains it, choices
    and multiple choices include it, numbers and dates equal it."""
    for definition in definitions:
        raw = params.get(f"cf_{definition.key}", "").strip()
        if not raw:
            continue
        lookup = f"custom__{definition.key}"
        match definition.field_type:
            case FieldType.TEXT:
                condition = Q(**{f"{lookup}__icontains": raw})
            case FieldType.MULTI_CHOICE:
                condition = Q(**{f"{lookup}__icontains": f'"{raw}"'})
            case FieldType.NUMBER:
                try:
                    condition = Q(**{lookup: _number(definition, raw)})
                except ContactsError:
                    condition = Q(pk__in=[])
            case _:
                condition = Q(**{lookup: raw})
        records = records.filter(condition)
    return records
