"""What the e-mail and call triage screens share (TR1): the Ready/Linked/Ignored/All tabs, the
list page, "back where the action came from", single decisions with their flash message, and
bulk actions that report a result per row. The screens are `parley.web.views.triage` (e-mails)
and `parley.web.views.calls` (calls); each passes its own rows, services and wording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50
VIEW_NAMES = ("ready", "linked", "ignored", "all")


def chosen_view(value: str | None) -> str:
    """The tab asked for, Ready by default (the seed's "Gotowy" filter is on by default)."""
    return value if value in VIEW_NAMES else "ready"


def render_list(
    request: AuthenticatedHttpRequest,
    *,
    template: str,
    rows: QuerySet[Any],
    view: str,
    ready_count: int,
    **extra: object,
) -> HttpResponse:
    """One page of `rows`; htmx requests get the `#results` fragment only."""
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "view": view,
        "ready_count": ready_count,
        "can_write": bool(team_ids_for_user(request.user, write=True)),
        **extra,
    }
    return render(request, f"{template}#results" if request.htmx else template, context)


@dataclass(frozen=True, slots=True, kw_only=True)
class Screen:
    """One triage screen: its list and card URL names, the errors its services raise for a
    user's mistake (shown as a message, never a 500), and the wording of its bulk results."""

    list_name: str
    card_name: str
    errors: tuple[type[Exception], ...]
    refused: StrOrPromise
    done: Callable[[int], str]
    failed: Callable[[int], str]

    def card_url(self, pk: int) -> str:
        return reverse(self.card_name, args=[pk])


def back(request: AuthenticatedHttpRequest, screen: Screen, pk: int) -> HttpResponse:
    """To the list the action came from (triage goes row by row), else to the card."""
    if request.POST.get("next") == "list":
        return redirect(screen.list_name)
    return redirect(screen.card_url(pk))


def decide(
    request: AuthenticatedHttpRequest,
    screen: Screen,
    pk: int,
    action: Callable[[], object],
    done: str,
) -> HttpResponse:
    """Run one decision on row `pk`; a user's mistake becomes an error message instead of
    the `done` message (none when empty)."""
    try:
        action()
    except screen.errors as error:
        messages.error(request, str(error))
    else:
        if done:
            messages.success(request, done)
    return back(request, screen, pk)


@dataclass(frozen=True, slots=True)
class RowResult:
    """The outcome of a bulk action on one row, for the results page."""

    label: str
    url: str
    ok: bool
    message: str = ""


def run_bulk[T: Model](
    request: AuthenticatedHttpRequest,
    screen: Screen,
    *,
    act: Callable[[T], object] | None,
    rows: QuerySet[T],
    label: Callable[[T], str],
) -> HttpResponse:
    """Apply `act` to each chosen row (`ids`) among `rows`, one transaction each (the
    services are durable), so one refused row does not undo the others; answer the results
    page. An id that is not among `rows` (another team's, gone, or read-only for the user) is
    reported without saying whether it exists. No `act` (an unknown action, or "attach"
    without a record) or no ids changes nothing."""
    ids = list(dict.fromkeys(int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()))
    back_url = f"{reverse(screen.list_name)}?view={chosen_view(request.POST.get('view'))}"
    if act is None or not ids:
        messages.error(request, screen.refused)
        return redirect(back_url)
    results: dict[int, RowResult] = {}
    for row in rows.filter(pk__in=ids):
        url = screen.card_url(row.pk)
        try:
            act(row)
        except screen.errors as error:
            results[row.pk] = RowResult(label(row), url, ok=False, message=str(error))
        else:
            results[row.pk] = RowResult(label(row), url, ok=True)
    missing = _("Not found, or you may not change it.")
    listed = [results.get(pk) or RowResult(f"#{pk}", "", ok=False, message=missing) for pk in ids]
    done = sum(result.ok for result in listed)
    if done:
        messages.success(request, screen.done(done))
    if done < len(listed):
        messages.error(request, screen.failed(len(listed) - done))
    context = {"results": listed, "back_url": back_url}
    return render(request, "web/triage_bulk_results.html", context)
