"""Import contacts or organizations from CSV (LV2): upload, map the columns, dry run with errors per row,
then import the whole file or only its valid rows, as the user explicitly chooses. The
uploaded file waits in the session between the steps."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parley.accounts.access import get_team_for_user, team_ids_for_user
from parley.accounts.models import Team
from parley.contacts.custom_fields import definitions_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.importing import Table, draft_rows, guess_mapping, read_csv, targets
from parley.contacts.models import FieldTarget
from parley.contacts.services.importing import (
    ImportMode,
    import_contacts,
    import_organizations,
)

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

SESSION_KEY = "contact_import"
PREVIEW_ROWS = 5


class UploadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=gettext_lazy("Team"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Import"),
        choices=[
            ("contacts", gettext_lazy("Contacts")),
            ("organizations", gettext_lazy("Organizations")),
        ],
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Comma or semicolon separated, UTF-8 or Windows-1250, 2 MB."),
    )


def _writable_teams(request: AuthenticatedHttpRequest) -> list[Team]:
    teams = list(Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True)))
    if not teams:
        raise PermissionDenied
    return teams


@login_required
def contact_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1: choose the team and the file."""
    teams = _writable_teams(request)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "contacts")},
    )
    form.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams])  # type: ignore[attr-defined]  # ModelChoiceField
    if len(teams) == 1:
        form.fields["team"].initial = teams[0].pk
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            read_csv(data)
        except ContactsError as error:
            form.add_error("file", str(error))
        else:
            request.session[SESSION_KEY] = {
                "team": form.cleaned_data["team"].pk,
                "kind": form.cleaned_data["kind"],
                "name": form.cleaned_data["file"].name,
                "data": base64.b64encode(data).decode(),
            }
            return redirect("web:contact_import_map")
    return render(request, "web/contact_import.html", {"form": form})


def _pending(request: AuthenticatedHttpRequest) -> tuple[Team, str, Table, bool] | None:
    """The uploaded file waiting in the session: team, name, rows, organizations or not."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return None
    team = get_team_for_user(request.user, int(pending["team"]), write=True)
    table = read_csv(base64.b64decode(pending["data"]))
    return team, pending["name"], table, pending.get("kind") == "organizations"


@login_required
def contact_import_map(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 2: map the columns; dry run or import (all rows or only valid ones)."""
    pending = _pending(request)
    if pending is None:
        return redirect("web:contact_import")
    team, name, table, organizations = pending
    target = FieldTarget.ORGANIZATION if organizations else FieldTarget.CONTACT
    definitions = definitions_for([team.pk], target)
    choices = targets(definitions, organizations=organizations)
    if request.method == "POST":
        mapping = [request.POST.get(f"col{i}", "") for i in range(len(table.header))]
        mapping = [target if target in choices else "" for target in mapping]
    else:
        mapping = guess_mapping(table.header, definitions, organizations=organizations)
    report = None
    mode = ImportMode(request.POST.get("mode", ImportMode.ALL_OR_NOTHING))
    action = request.POST.get("action", "")
    if action in {"dry_run", "import"}:
        run = import_organizations if organizations else import_contacts
        report = run(
            team=team,
            drafts=draft_rows(table, mapping, team.pk, organizations=organizations),
            mode=mode,
            dry_run=action == "dry_run",
            actor=request.user,
        )
        if report.saved:
            del request.session[SESSION_KEY]
            messages.success(
                request, _("%(count)d records were imported.") % {"count": report.valid}
            )
    context = {
        "team": team,
        "name": name,
        "organizations": organizations,
        "columns": list(zip(table.header, mapping, strict=True)),
        "preview": table.rows[:PREVIEW_ROWS],
        "row_count": len(table.rows),
        "choices": choices,
        "mode": mode,
        "report": report,
        "errors": [row for row in report.rows if not row.ok] if report else [],
    }
    return render(request, "web/contact_import_map.html", context)
