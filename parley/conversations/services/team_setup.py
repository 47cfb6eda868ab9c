"""A team's inbox configuration: queues (with a default assignee), categories, tags and the
SLA targets of each priority — written from Settings → Inbox by admins and managers.

Each function is its own durable transaction and raises `RefusedError` for the user's
mistakes (an empty or duplicate name, a default assignee who is not an agent of the team).
The caller checks that the actor may configure the team. SLA targets apply to conversations
created afterwards and to those whose priority changes; due times already computed stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from parley.accounts.models import WRITE_ROLES, Membership
from parley.conversations.exceptions import RefusedError
from parley.conversations.models import Category, Priority, PrioritySla, Queue, Tag

if TYPE_CHECKING:
    from parley.accounts.models import Team, User

type Named = Queue | Category | Tag


def _clean_name[T: (Queue, Category, Tag)](
    model: type[T], team: Team, name: str, row: T | None
) -> str:
    name = " ".join(name.split())
    limit = model._meta.get_field("name").max_length or 100
    if not name:
        raise RefusedError(_("Enter a name."))
    if len(name) > limit:
        raise RefusedError(_("The name is too long."))
    taken = model.objects.filter(team=team, name__iexact=name)
    if row is not None:
        taken = taken.exclude(pk=row.pk)
    if taken.exists():
        raise RefusedError(_("“%s” exists already.") % name)
    return name


def _check_assignee(team: Team, user: User | None) -> None:
    if user is None:
        return
    is_agent = Membership.objects.filter(
        team=team, user=user, role__in=WRITE_ROLES, user__is_active=True
    ).exists()
    if not is_agent:
        raise RefusedError(_("The default assignee must be an agent of the team."))


def save_queue(
    *, team: Team, name: str, default_assignee: User | None, queue: Queue | None = None
) -> Queue:
    """Create a queue (``queue`` None) or rename it and change its default assignee.

    The default assignee is given conversations that are moved into the queue."""
    name = _clean_name(Queue, team, name, queue)
    _check_assignee(team, default_assignee)
    with transaction.atomic(durable=True):
        if queue is None:
            return Queue.objects.create(team=team, name=name, default_assignee=default_assignee)
        queue.name, queue.default_assignee = name, default_assignee
        queue.save(update_fields=["name", "default_assignee"])
    return queue


def save_category(*, team: Team, name: str, category: Category | None = None) -> Category:
    name = _clean_name(Category, team, name, category)
    with transaction.atomic(durable=True):
        if category is None:
            return Category.objects.create(team=team, name=name)
        category.name = name
        category.save(update_fields=["name"])
    return category


def save_tag(*, team: Team, name: str, tag: Tag | None = None) -> Tag:
    name = _clean_name(Tag, team, name, tag)
    with transaction.atomic(durable=True):
        if tag is None:
            return Tag.objects.create(team=team, name=name)
        tag.name = name
        tag.save(update_fields=["name"])
    return tag


def delete_setting(*, row: Named) -> None:
    """Remove a queue, category or tag: conversations keep their place without it (queue and
    category become empty, the tag disappears from them)."""
    with transaction.atomic(durable=True):
        row.delete()


def set_sla(
    *,
    team: Team,
    priority: Priority,
    first_response_minutes: int | None,
    resolution_minutes: int | None,
) -> PrioritySla:
    """Set (or clear, with None) the targets of one priority; one upsert."""
    for minutes in (first_response_minutes, resolution_minutes):
        if minutes is not None and not 1 <= minutes <= 525_600:
            raise RefusedError(_("A target is between 1 minute and one year."))
    with transaction.atomic(durable=True):
        sla, _created = PrioritySla.objects.update_or_create(
            team=team,
            priority=priority,
            defaults={
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
            },
        )
    return sla
