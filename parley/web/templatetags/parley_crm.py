"""Template helpers for the CRM screens (contacts, organizations, leads)."""

from __future__ import annotations

from django import template

from parley.contacts.choices import ChoiceLabels

register = template.Library()


@register.simple_tag
def choice_label(labels: ChoiceLabels, team_id: int, kind: str, key: str) -> str:
    """The label of a stored list key, from labels the view loaded for its teams."""
    if not key:
        return ""
    return labels.label(team_id, kind, key)
