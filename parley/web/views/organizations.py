"""Organizations: the list (filters, sort, columns, saved views, keyset pages, bulk mass
edit, lock and delete, export), the organization page with its contacts, and the create
and edit forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import Team, User
from parley.contacts import export, services
from parley.contacts.access import (
    can_delete_account,
    can_write_account,
    check_account_write,
    get_organization_for_user,
    saved_views_for_user,
    with_creator,
)
from parley.contacts.choices import labels_for_teams, options_for
from parley.contacts.custom_fields import custom_display, definitions_for, filter_custom
from parley.contacts.exceptions import (
    ContactsError,
    InvalidEmailError,
    InvalidPhoneError,
    InvalidTaxIdError,
)
from parley.contacts.forms import ORGANIZATION_FIELDS, OrganizationForm, column_params
from parley.contacts.listing import (
    DEFAULT_ORGANIZATION_COLUMNS,
    ORGANIZATION_COLUMNS,
    ORGANIZATION_SORTS,
    chosen_columns,
    keyset_page,
    sort_choices,
)
from parley.contacts.models import (
    ChoiceKind,
    Contact,
    CustomField,
    FieldTarget,
    Organization,
    OrganizationQuerySet,
    Tag,
)
from parley.contacts.queries import (
    contact_list_queryset,
    filter_organizations,
    organization_filters_from,
    organization_list_queryset,
)
from parley.contacts.services import bulk
from parley.web.views.contact_lists import MAX_EXPORT_ROWS, bulk_change_from, bulk_results
from parley.web.views.timeline import timeline_context

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest


def _organization_state(
    request: AuthenticatedHttpRequest,
) -> tuple[OrganizationQuerySet, list[CustomField], set[int]]:
    """The filtered, access-checked organizations of a request (list, export, bulk)."""
    team_ids = team_ids_for_user(request.user)
    filters = organization_filters_from(request.GET)
    organizations = filter_organizations(
        Organization.objects.visible_to(request.user), filters, request.user
    )
    definitions = definitions_for(team_ids, FieldTarget.ORGANIZATION)
    return filter_custom(organizations, definitions, request.GET), definitions, team_ids


@login_required
def organization_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations, custom_fields, team_ids = _organization_state(request)
    page = keyset_page(
        organization_list_queryset(organizations)
        .prefetch_related("managers")
        .annotate(contact_count=Count("contacts", distinct=True)),
        sort=request.GET.get("sort", ""),
        cursor=request.GET.get("after", ""),
        sorts=ORGANIZATION_SORTS,
        default="name",
    )
    columns = chosen_columns(
        column_params(request.GET),
        [d.key for d in custom_fields],
        columns=ORGANIZATION_COLUMNS,
        default=DEFAULT_ORGANIZATION_COLUMNS,
    )
    members = User.objects.filter(memberships__team_id__in=team_ids).distinct()
    context = {
        "page": page,
        "filters": organization_filters_from(request.GET),
        "tags": Tag.objects.filter(team_id__in=team_ids),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
        "custom_fields": custom_fields,
        "account_types": {
            o.key: o.label
            for t in sorted(team_ids)
            for o in options_for(t, ChoiceKind.ACCOUNT_TYPE)
        },
        "members": members,
        "labels": labels_for_teams(team_ids),
        "columns": columns,
        "column_names": dict(ORGANIZATION_COLUMNS)
        | {f"cf:{d.key}": d.label for d in custom_fields},
        "sorts": sort_choices(ORGANIZATION_SORTS),
        "default_sort": "name",
        "saved_views": saved_views_for_user(request.user, "organization"),
        "query": request.GET.urlencode(),
    }
    template = (
        "web/organization_list.html#results" if request.htmx else "web/organization_list.html"
    )
    return render(request, template, context)


@require_POST
@login_required
def organization_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mass edit, lock, unlock or delete the ticked organizations; a result per record."""
    user = request.user
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    organizations = list(
        Organization.objects.visible_to(user).filter(pk__in=ids).order_by("name", "pk")
    )
    action = request.POST.get("action", "")

    def check(organization: Organization) -> None:
        check_account_write(user, organization)

    def check_delete(organization: Organization) -> None:
        check_account_write(user, organization)
        if not can_delete_account(user, organization):
            raise PermissionDenied

    try:
        if action == "edit":
            results = bulk.bulk_update_organizations(
                organizations=organizations,
                change=bulk_change_from(request, team_ids_for_user(user)),
                check=check,
                actor=user,
            )
        elif action in {"lock", "unlock"}:
            results = bulk.bulk_lock(
                records=organizations, locked=action == "lock", check=check, actor=user
            )
        elif action == "delete":
            results = bulk.bulk_delete(records=organizations, check=check_delete)
        else:
            raise Http404
    except ContactsError as error:
        messages.error(request, str(error))
        return redirect(f"/organizations/?{request.POST.get('query', '')}")
    return bulk_results(request, results, action=action, target="organization")


@require_POST
@login_required
def organization_lock(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    """Lock (anyone who may change it) or unlock (team admins) one organization."""
    organization = get_organization_for_user(request.user, organization_id, write=True)
    locked = request.POST.get("locked") == "1"
    results = bulk.bulk_lock(
        records=[organization],
        locked=locked,
        check=lambda o: check_account_write(request.user, o),
        actor=request.user,
    )
    if results[0].ok:
        messages.success(request, _("Locked.") if locked else _("Unlocked."))
    return redirect("web:organization", organization_id=organization.pk)


@login_required
def organization_detail(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = get_organization_for_user(request.user, organization_id)
    context = {
        "organization": organization,
        "labels": labels_for_teams([organization.team_id]),
        "custom_values": custom_display(organization, FieldTarget.ORGANIZATION),
        "contacts": contact_list_queryset(
            Contact.objects.visible_to(request.user).filter(organization=organization)
        ),
        "domains": organization.domains.all(),
        "emails": organization.emails.all(),
        "phones": organization.phones.all(),
        "tags": organization.tags.all(),
        "managers": organization.managers.all(),
        "can_write": can_write_account(request.user, organization),
        "can_delete": can_delete_account(request.user, organization),
    } | timeline_context(request, "organization", organization)
    return render(request, "web/organization_detail.html", context)


def _form_error(form: OrganizationForm, error: ContactsError) -> None:
    """Show a service's refusal next to the field it is about."""
    fields = {InvalidTaxIdError: "tax_id", InvalidEmailError: "emails", InvalidPhoneError: "phones"}
    form.add_error(fields.get(type(error)), str(error))


@login_required
def organization_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True)))
    if not teams:
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.create_organization(
                team=form.cleaned_data["team"],
                fields=form.organization_fields(),
                domains=form.domain_names(),
                managers=with_creator(
                    request.user, form.cleaned_data["team"].pk, form.cleaned_data["managers"]
                ),
                tags=form.tag_names(),
                custom=form.custom_values(),
                actor=request.user,
                emails=form.email_list(),
                phones=form.phone_list(),
            )
        except ContactsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The organization has been created."))
            return redirect("web:organization", organization_id=organization.pk)
    return render(request, "web/organization_form.html", {"form": form, "organization": None})


@login_required
def organization_edit(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = get_organization_for_user(request.user, organization_id, write=True)
    initial = {name: getattr(organization, name) for name in ORGANIZATION_FIELDS} | {
        "team": organization.team_id,
        "domains": ", ".join(d.domain for d in organization.domains.all()),
        "tags": ", ".join(tag.name for tag in organization.tags.all()),
        "managers": list(organization.managers.all()),
        "custom": organization.custom,
        "emails": ", ".join(e.address for e in organization.emails.all()),
        "phones": ", ".join(p.raw for p in organization.phones.all()),
    }
    form = OrganizationForm(
        request.POST or None, teams=[organization.team], team=organization.team, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization_profile(
                organization=organization,
                fields=form.organization_fields(),
                domains=form.domain_names(),
                tags=form.tag_names(),
                managers=form.cleaned_data["managers"],
                custom=form.custom_values(),
                actor=request.user,
                emails=form.email_list(),
                phones=form.phone_list(),
            )
        except ContactsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The organization has been saved."))
            return redirect("web:organization", organization_id=organization.pk)
    context = {"form": form, "organization": organization}
    return render(request, "web/organization_form.html", context)


@require_POST
@login_required
def organization_delete(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = get_organization_for_user(request.user, organization_id, write=True)
    if not can_delete_account(request.user, organization):
        raise PermissionDenied
    services.delete_organization(organization=organization)
    messages.success(request, _("The organization has been deleted."))
    return redirect("web:organizations")


@login_required
def organization_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The filtered organization list, as CSV or XLSX."""
    if file_format not in {"csv", "xlsx"}:
        raise Http404
    organizations, definitions, team_ids = _organization_state(request)
    organizations = organizations.order_by("name", "pk")
    head, body = export.organization_table(
        organizations[:MAX_EXPORT_ROWS], labels_for_teams(team_ids), definitions
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        response = HttpResponse(export.to_csv(head, body), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.to_xlsx(head, body, title="Organizations"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="organizations-{stamp}.{file_format}"'
    return response
