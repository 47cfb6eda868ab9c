"""Template helpers for the CRM screens (contacts, organizations, leads)."""

from __future__ import annotations

from django import template

from parley.contacts.choices import ChoiceLabels
from parley.contacts.custom_fields import display_value, parse_custom
from parley.contacts.models import Contact

register = template.Library()


@register.simple_tag
def choice_label(labels: ChoiceLabels, team_id: int, kind: str, key: str) -> str:
    """The label of a stored list key, from labels the view loaded for its teams."""
    if not key:
        return ""
    return labels.label(team_id, kind, key)


@register.simple_tag(takes_context=True)
def query_param(context: template.Context, name: str) -> str:
    """The current request's query parameter `name` (for filter inputs named at runtime)."""
    request = context.get("request")
    return "" if request is None else str(request.GET.get(name, ""))


@register.simple_tag
def column_name(names: dict[str, str], column: str) -> str:
    return str(names.get(column, column))


@register.simple_tag
def record_label(labels: ChoiceLabels, record: Contact, kind: str) -> str:
    """The label of a list-backed field (`kind` is the field name) of `record`."""
    return choice_label(labels, record.team_id, kind, str(getattr(record, kind)))


@register.simple_tag
def custom_cell(record: Contact, column: str) -> str:
    """The display text of custom field column `cf:<key>`."""
    if not column.startswith("cf:"):
        return ""
    return display_value(parse_custom(record.custom).get(column[3:]))


@register.simple_tag
def ordered_columns(columns: list[str], names: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(key, label, shown) of every column: the shown ones in their order, then the rest."""
    rest = [key for key in names if key not in columns]
    return [(key, str(names[key]), True) for key in columns if key in names] + [
        (key, str(names[key]), False) for key in rest
    ]
