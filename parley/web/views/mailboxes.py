"""Settings → Mailboxes: list with sync status, add, edit, test connection, pause/resume,
remove. Team admins and managers change mailboxes; other members see them; outsiders get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import teams_for_user
from parley.accounts.models import MANAGE_ROLES, Team
from parley.mail import services
from parley.mail.access import get_mailbox_for_user
from parley.mail.exceptions import MailboxConnectionError, MailError
from parley.mail.models import Mailbox
from parley.mail.providers.imap.forms import MailboxForm
from parley.web.views._auth import AuthenticatedHttpRequest


def _managed_teams(request: AuthenticatedHttpRequest) -> QuerySet[Team]:
    if request.user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(
        memberships__user=request.user, memberships__role__in=MANAGE_ROLES
    ).distinct()


@login_required
def mailboxes(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = (
        Mailbox.objects.visible_to(request.user)
        .select_related("team")
        .annotate(message_count=Count("locations__message", distinct=True))
        .order_by("name")
    )
    managed = set(_managed_teams(request).values_list("pk", flat=True))
    context = {
        "mailboxes": [(mailbox, mailbox.team_id in managed) for mailbox in rows],
        "can_add": bool(managed),
        "teams": teams_for_user(request.user),
    }
    return render(request, "web/mailboxes.html", context)


@login_required
def mailbox_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = _managed_teams(request)
    if not teams.exists():
        return render(request, "web/mailboxes_form.html", {"forbidden": True}, status=403)
    form = MailboxForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = services.create_mailbox(
                team=form.cleaned_data["team"],
                settings=form.settings(),
                secret=form.cleaned_data["password"],
                folders=form.folder_names(),
            )
        except MailError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Mailbox %(name)s added.") % {"name": mailbox.name})
            return redirect("web:mailboxes")
    return render(request, "web/mailboxes_form.html", {"form": form})


@login_required
def mailbox_edit(request: AuthenticatedHttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_mailbox_for_user(request.user, mailbox_id, manage=True)
    teams = _managed_teams(request)
    form = MailboxForm(request.POST or None, teams=teams, mailbox=mailbox)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mailbox(
                mailbox=mailbox,
                settings=form.settings(),
                secret=form.cleaned_data["password"] or None,
                folders=form.folder_names() or [],
            )
        except MailError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Mailbox %(name)s saved.") % {"name": mailbox.name})
            return redirect("web:mailboxes")
    return render(request, "web/mailboxes_form.html", {"form": form, "mailbox": mailbox})


@require_POST
@login_required
def mailbox_test(request: AuthenticatedHttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_mailbox_for_user(request.user, mailbox_id, manage=True)
    try:
        report = services.check_connection(mailbox=mailbox)
    except (MailboxConnectionError, MailError) as exc:
        messages.error(
            request,
            _("%(name)s: connection failed: %(error)s") % {"name": mailbox.name, "error": exc},
        )
    else:
        messages.success(
            request,
            _("%(name)s: connection works; %(count)d folders, Sent folder: %(sent)s.")
            % {
                "name": mailbox.name,
                "count": len(report.folders),
                "sent": report.sent_folder or _("not found"),
            },
        )
    return redirect("web:mailboxes")


@require_POST
@login_required
def mailbox_pause(request: AuthenticatedHttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_mailbox_for_user(request.user, mailbox_id, manage=True)
    if request.POST.get("resume") == "1":
        services.resume_mailbox(mailbox=mailbox)
        messages.success(request, _("Mailbox %(name)s resumed.") % {"name": mailbox.name})
    else:
        services.pause_mailbox(mailbox=mailbox)
        messages.success(request, _("Mailbox %(name)s paused.") % {"name": mailbox.name})
    return redirect("web:mailboxes")


@require_POST
@login_required
def mailbox_remove(request: AuthenticatedHttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_mailbox_for_user(request.user, mailbox_id, manage=True)
    services.remove_mailbox(mailbox=mailbox)
    messages.success(request, _("Mailbox %(name)s removed.") % {"name": mailbox.name})
    return redirect("web:mailboxes")
