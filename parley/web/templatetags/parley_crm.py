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


@register.simple_tag(takes_context=True)
def query_param(context: template.Context, name: str) -> str:
    """The current request's query parameter `name` (for filter inputs named at runtime)."""
    request = context.get("request")
    return "" if request is None else str(request.GET.get(name, ""))
