"""The contact list (LV1/LV2): every filter of the seed in a collapsible panel, sort,
column choice and order, saved views, keyset pages; bulk mass edit, lock/unlock and delete
with a result per record; export of the filtered list to CSV and XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import User
from parley.contacts import export
from parley.contacts.access import (
    SAVED_VIEW_TARGETS,
    can_delete_account,
    check_account_write,
    get_saved_view_for_user,
    saved_views_for_user,
)
from parley.contacts.choices import labels_for_teams, options_for
from parley.contacts.custom_fields import definitions_for, filter_custom
from parley.contacts.exceptions import ContactsError
from parley.contacts.forms import column_params, split_list
from parley.contacts.listing import COLUMNS, SORTS, chosen_columns, keyset_page, sort_choices
from parley.contacts.models import ChoiceKind, Contact, CustomField, FieldTarget, Organization, Tag
from parley.contacts.queries import (
    ContactFilters,
    contact_filters_from,
    contact_list_queryset,
    filter_contacts,
)
from parley.contacts.services import bulk, saved_views

if TYPE_CHECKING:
    from parley.contacts.models import ContactQuerySet
    from parley.web.views._auth import AuthenticatedHttpRequest

MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class ListState:
    filters: ContactFilters
    contacts: ContactQuerySet
    definitions: list[CustomField]
    columns: list[str]
    team_ids: set[int]


def list_state(request: AuthenticatedHttpRequest) -> ListState:
    """The filtered, access-checked contacts and the chosen columns of a request."""
    params = request.GET
    team_ids = team_ids_for_user(request.user)
    filters = contact_filters_from(params)
    contacts = filter_contacts(Contact.objects.visible_to(request.user), filters, request.user)
    definitions = definitions_for(team_ids, FieldTarget.CONTACT)
    contacts = filter_custom(contacts, definitions, params)
    columns = chosen_columns(column_params(params), [d.key for d in definitions])
    return ListState(filters, contacts, definitions, columns, team_ids)


def _choices(team_ids: set[int], kind: ChoiceKind) -> dict[str, str]:
    return {o.key: o.label for t in sorted(team_ids) for o in options_for(t, kind)}


@login_required
def contact_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = list_state(request)
    page = keyset_page(
        contact_list_queryset(state.contacts).prefetch_related("managers"),
        sort=request.GET.get("sort", ""),
        cursor=request.GET.get("after", ""),
    )
    context = {
        "page": page,
        "filters": state.filters,
        "columns": state.columns,
        "column_names": dict(COLUMNS) | {f"cf:{d.key}": d.label for d in state.definitions},
        "custom_fields": state.definitions,
        "sorts": sort_choices(SORTS),
        "default_sort": "last_name",
        "tags": Tag.objects.filter(team_id__in=state.team_ids),
        "organizations": Organization.objects.visible_to(request.user).only("pk", "name"),
        "members": User.objects.filter(memberships__team_id__in=state.team_ids).distinct(),
        "stages": _choices(state.team_ids, ChoiceKind.STAGE),
        "sources": _choices(state.team_ids, ChoiceKind.SOURCE),
        "positions": _choices(state.team_ids, ChoiceKind.POSITION),
        "account_types": _choices(state.team_ids, ChoiceKind.ACCOUNT_TYPE),
        "saved_views": saved_views_for_user(request.user, "contact"),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
        "labels": labels_for_teams(state.team_ids),
        "query": request.GET.urlencode(),
    }
    template = "web/contact_list.html#results" if request.htmx else "web/contact_list.html"
    return render(request, template, context)


@login_required
def contact_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The filtered list with the chosen columns, as CSV or XLSX."""
    if file_format not in {"csv", "xlsx"}:
        raise Http404
    state = list_state(request)
    contacts = state.contacts.order_by("last_name", "first_name", "pk")[:MAX_EXPORT_ROWS]
    head = export.header(state.columns, state.definitions)
    body = export.rows(contacts, state.columns, labels_for_teams(state.team_ids))
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        response = HttpResponse(export.to_csv(head, body), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.to_xlsx(head, body),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="contacts-{stamp}.{file_format}"'
    return response


def _selected(request: AuthenticatedHttpRequest) -> list[Contact]:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    return list(
        Contact.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .prefetch_related("emails")
        .order_by("last_name", "first_name", "pk")
    )


def bulk_change_from(request: AuthenticatedHttpRequest, team_ids: set[int]) -> bulk.BulkChange:
    """The mass edit asked for in the bulk panel of a list (contacts, organizations, leads)."""
    post = request.POST
    members = User.objects.filter(memberships__team_id__in=team_ids).distinct()

    def users(name: str) -> tuple[User, ...]:
        ids = [int(i) for i in post.getlist(name) if i.isdigit()]
        return tuple(members.filter(pk__in=ids))

    custom: dict[str, object] = {}
    if key := post.get("custom_key", ""):
        custom[key] = post.get("custom_value", "")
    return bulk.BulkChange(
        stage=post.get("stage", "") or post.get("status", ""),
        source=post.get("source", ""),
        account_type=post.get("account_type", ""),
        add_tags=tuple(split_list(post.get("add_tags", ""))),
        remove_tags=tuple(split_list(post.get("remove_tags", ""))),
        add_managers=users("add_managers"),
        remove_managers=users("remove_managers"),
        custom=custom,
    )


@require_POST
@login_required
def contact_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mass edit, lock, unlock or delete the ticked contacts; shows a result per record."""
    contacts = _selected(request)
    action = request.POST.get("action", "")
    user = request.user

    def check(contact: Contact) -> None:
        check_account_write(user, contact)

    def check_delete(contact: Contact) -> None:
        check_account_write(user, contact)
        if not can_delete_account(user, contact):
            raise PermissionDenied

    try:
        if action == "edit":
            change = bulk_change_from(request, team_ids_for_user(user))
            results = bulk.bulk_update_contacts(
                contacts=contacts, change=change, check=check, actor=user
            )
        elif action in {"lock", "unlock"}:
            results = bulk.bulk_lock_contacts(
                contacts=contacts, locked=action == "lock", check=check, actor=user
            )
        elif action == "delete":
            results = bulk.bulk_delete_contacts(contacts=contacts, check=check_delete)
        else:
            raise Http404
    except ContactsError as error:
        messages.error(request, str(error))
        return redirect(f"/contacts/?{request.POST.get('query', '')}")
    return bulk_results(request, results, action=action, target="contact")


def bulk_results(
    request: AuthenticatedHttpRequest, results: list[bulk.BulkResult], *, action: str, target: str
) -> HttpResponse:
    """The page listing what a bulk action did to each record."""
    context = {
        "results": results,
        "action": action,
        "query": request.POST.get("query", ""),
        "list_url": LIST_URLS[target],
        "record_url": LIST_URLS[target],
    }
    return render(request, "web/contact_bulk_results.html", context)


LIST_URLS = {"contact": "/contacts/", "organization": "/organizations/", "lead": "/leads/"}


@require_POST
@login_required
def saved_view_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save the current query of the contact, organization or lead list under a name."""
    target = request.POST.get("target", "contact")
    if target not in SAVED_VIEW_TARGETS:
        raise Http404
    teams = sorted(team_ids_for_user(request.user))
    if not teams:
        raise PermissionDenied
    try:
        view = saved_views.save_view(
            owner=request.user,
            team_id=teams[0],
            target=target,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            is_shared=request.POST.get("is_shared") == "1",
        )
    except ContactsError as error:
        messages.error(request, str(error))
        return redirect(f"{LIST_URLS[target]}?{request.POST.get('query', '')}")
    messages.success(request, _("The view was saved."))
    return redirect(f"{LIST_URLS[target]}?{view.query}")


@require_POST
@login_required
def saved_view_delete(request: AuthenticatedHttpRequest, view_id: int) -> HttpResponse:
    view = get_saved_view_for_user(request.user, view_id, write=True)
    saved_views.delete_view(view=view)
    messages.success(request, _("The view was deleted."))
    return redirect(LIST_URLS.get(view.target, "/contacts/"))
