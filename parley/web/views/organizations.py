"""Organizations: the list with search and filters, the organization page with its contacts,
and the create and edit forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import Team
from parley.contacts import services
from parley.contacts.access import (
    can_delete_account,
    can_write_account,
    get_organization_for_user,
)
from parley.contacts.choices import labels_for_teams
from parley.contacts.custom_fields import custom_display, definitions_for, filter_custom
from parley.contacts.exceptions import ContactsError, InvalidTaxIdError
from parley.contacts.forms import ORGANIZATION_FIELDS, OrganizationForm
from parley.contacts.models import Contact, FieldTarget, Organization, Tag
from parley.contacts.queries import (
    OrganizationFilters,
    contact_list_queryset,
    filter_organizations,
    organization_list_queryset,
)
from parley.web.views.contacts import PAGE_SIZE, int_param
from parley.web.views.timeline import timeline_context

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def organization_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = OrganizationFilters(
        q=request.GET.get("q", ""),
        tag=int_param(request, "tag"),
        mine=request.GET.get("mine") == "1",
    )
    team_ids = team_ids_for_user(request.user)
    organizations = filter_organizations(
        Organization.objects.visible_to(request.user), filters, request.user
    )
    custom_fields = definitions_for(team_ids, FieldTarget.ORGANIZATION)
    organizations = filter_custom(organizations, custom_fields, request.GET)
    page = Paginator(organization_list_queryset(organizations), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "tags": Tag.objects.filter(team_id__in=team_ids),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
        "custom_fields": custom_fields,
    }
    template = (
        "web/organization_list.html#results" if request.htmx else "web/organization_list.html"
    )
    return render(request, template, context)


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
        "tags": organization.tags.all(),
        "managers": organization.managers.all(),
        "can_write": can_write_account(request.user, organization),
        "can_delete": can_delete_account(request.user, organization),
    } | timeline_context(request, "organization", organization)
    return render(request, "web/organization_detail.html", context)


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
                managers=form.cleaned_data["managers"],
                tags=form.tag_names(),
                custom=form.custom_values(),
                actor=request.user,
            )
        except InvalidTaxIdError as error:
            form.add_error("tax_id", str(error))
        except ContactsError as error:
            form.add_error(None, str(error))
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
            )
        except InvalidTaxIdError as error:
            form.add_error("tax_id", str(error))
        except ContactsError as error:
            form.add_error(None, str(error))
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
