"""Leads: the list (filters, sort, columns, saved views, keyset pages, bulk mass edit,
lock and delete, export), the lead page, create and edit forms, convert to a contact,
lock, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import can_manage_team, team_ids_for_user
from parley.accounts.models import Team, User
from parley.contacts import export
from parley.contacts.access import (
    can_write_lead,
    check_lead_write,
    get_lead_for_user,
    saved_views_for_user,
)
from parley.contacts.choices import labels_for_teams, options_for
from parley.contacts.exceptions import ContactsError, InvalidEmailError, InvalidPhoneError
from parley.contacts.forms import LeadForm, column_params
from parley.contacts.listing import (
    DEFAULT_LEAD_COLUMNS,
    LEAD_COLUMNS,
    LEAD_SORTS,
    chosen_columns,
    keyset_page,
    sort_choices,
)
from parley.contacts.models import ChoiceKind, Lead, LeadQuerySet
from parley.contacts.queries import filter_leads, lead_filters_from
from parley.contacts.services import bulk
from parley.contacts.services import leads as services
from parley.web.views.contact_lists import MAX_EXPORT_ROWS, bulk_change_from, bulk_results
from parley.web.views.timeline import timeline_context

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

FORM_FIELDS = (
    "name",
    "contact_name",
    "email",
    "company",
    "status",
    "source",
    "next_step",
    "description",
)


def _lead_records(request: AuthenticatedHttpRequest) -> tuple[LeadQuerySet, set[int]]:
    """The filtered leads of a request (list, export)."""
    team_ids = team_ids_for_user(request.user)
    filters = lead_filters_from(request.GET)
    return filter_leads(Lead.objects.visible_to(request.user), filters, request.user), team_ids


def _options(team_ids: set[int], kind: ChoiceKind) -> dict[str, str]:
    return {o.key: o.label for t in sorted(team_ids) for o in options_for(t, kind)}


@login_required
def lead_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    leads, team_ids = _lead_records(request)
    context = {
        "page": keyset_page(
            leads,
            sort=request.GET.get("sort", "-created"),
            cursor=request.GET.get("after", ""),
            sorts=LEAD_SORTS,
            default="created_at",
        ),
        "query": request.GET.urlencode(),
        "filters": lead_filters_from(request.GET),
        "statuses": _options(team_ids, ChoiceKind.LEAD_STATUS),
        "sources": _options(team_ids, ChoiceKind.SOURCE),
        "members": User.objects.filter(memberships__team_id__in=team_ids).distinct(),
        "labels": labels_for_teams(team_ids),
        "can_write": bool(team_ids_for_user(request.user, write=True)),
        "columns": chosen_columns(
            column_params(request.GET), [], columns=LEAD_COLUMNS, default=DEFAULT_LEAD_COLUMNS
        ),
        "column_names": LEAD_COLUMNS,
        "sorts": sort_choices(LEAD_SORTS),
        "default_sort": "-created",
        "saved_views": saved_views_for_user(request.user, "lead"),
    }
    template = "web/lead_list.html#results" if request.htmx else "web/lead_list.html"
    return render(request, template, context)


@login_required
def lead_detail(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, lead_id)
    context = {
        "lead": lead,
        "labels": labels_for_teams([lead.team_id]),
        "can_write": can_write_lead(request.user, lead),
        "can_delete": can_manage_team(request.user, lead.team_id),
    } | timeline_context(request, "lead", lead)
    return render(request, "web/lead_detail.html", context)


@require_POST
@login_required
def lead_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mass edit (status, source, salesperson), lock, unlock or delete the ticked leads."""
    user = request.user
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    leads = list(Lead.objects.visible_to(user).filter(pk__in=ids).order_by("-created_at", "-pk"))
    action = request.POST.get("action", "")

    def check(lead: Lead) -> None:
        check_lead_write(user, lead)

    def check_delete(lead: Lead) -> None:
        check_lead_write(user, lead)
        if not can_manage_team(user, lead.team_id):
            raise PermissionDenied

    try:
        if action == "edit":
            change = bulk_change_from(request, team_ids_for_user(user))
            results = bulk.bulk_update_leads(leads=leads, change=change, check=check, actor=user)
        elif action in {"lock", "unlock"}:
            results = bulk.bulk_lock(
                records=leads, locked=action == "lock", check=check, actor=user
            )
        elif action == "delete":
            results = bulk.bulk_delete(records=leads, check=check_delete)
        else:
            raise Http404
    except ContactsError as error:
        messages.error(request, str(error))
        return redirect(f"/leads/?{request.POST.get('query', '')}")
    return bulk_results(request, results, action=action, target="lead")


@require_POST
@login_required
def lead_lock(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    """Lock (any agent) or unlock (team admins) one lead."""
    lead = get_lead_for_user(request.user, lead_id)
    locked = request.POST.get("locked") == "1"
    results = bulk.bulk_lock(
        records=[lead],
        locked=locked,
        check=lambda record: check_lead_write(request.user, record),
        actor=request.user,
    )
    if not results[0].ok:
        raise PermissionDenied
    messages.success(request, _("Locked.") if locked else _("Unlocked."))
    return redirect("web:lead", lead_id=lead.pk)


def _save(request: AuthenticatedHttpRequest, form: LeadForm, lead: Lead | None) -> Lead | None:
    data = form.cleaned_data
    salesperson: User | None = data["salesperson"]
    try:
        if lead is None:
            return services.create_lead(
                team=data["team"], salesperson=salesperson, actor=request.user, **form.lead_fields()
            )
        return services.update_lead(
            lead=lead, fields=form.lead_fields(), salesperson=salesperson, actor=request.user
        )
    except InvalidEmailError as error:
        form.add_error("email", str(error))
    except InvalidPhoneError as error:
        form.add_error("phone", str(error))
    except ContactsError as error:
        form.add_error(None, str(error))
    return None


@login_required
def lead_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True)))
    if not teams:
        raise PermissionDenied
    form = LeadForm(request.POST or None, teams=teams, initial={"salesperson": request.user})
    if request.method == "POST" and form.is_valid():
        lead = _save(request, form, None)
        if lead is not None:
            messages.success(request, _("The lead has been created."))
            return redirect("web:lead", lead_id=lead.pk)
    return render(request, "web/lead_form.html", {"form": form, "lead": None})


@login_required
def lead_edit(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, lead_id, write=True)
    initial = {name: getattr(lead, name) for name in FORM_FIELDS} | {
        "team": lead.team_id,
        "phone": lead.phone_raw,
        "salesperson": lead.salesperson_id,
    }
    form = LeadForm(request.POST or None, teams=[lead.team], team=lead.team, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, lead) is not None:
        messages.success(request, _("The lead has been saved."))
        return redirect("web:lead", lead_id=lead.pk)
    return render(request, "web/lead_form.html", {"form": form, "lead": lead})


@require_POST
@login_required
def lead_convert(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, lead_id, write=True)
    try:
        contact = services.convert_lead(lead=lead, actor=request.user)
    except ContactsError as error:
        messages.error(request, str(error))
        return redirect("web:lead", lead_id=lead.pk)
    messages.success(request, _("The lead has been converted to a contact."))
    return redirect("web:contact", contact_id=contact.pk)


@require_POST
@login_required
def lead_delete(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, lead_id, write=True)
    if not can_manage_team(request.user, lead.team_id):
        raise PermissionDenied
    services.delete_lead(lead=lead)
    messages.success(request, _("The lead has been deleted."))
    return redirect("web:leads")


@login_required
def lead_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The filtered lead list, as CSV or XLSX."""
    if file_format not in {"csv", "xlsx"}:
        raise Http404
    leads, team_ids = _lead_records(request)
    head, body = export.lead_table(leads[:MAX_EXPORT_ROWS], labels_for_teams(team_ids))
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        response = HttpResponse(export.to_csv(head, body), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.to_xlsx(head, body, title="Leads"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.{file_format}"'
    return response
