"""The pages for 403, 404 and 500, in the application shell (config/urls.py names them).

A 403 says what the user may not open ("You do not have access to this contact."), named
from the record id in the URL that was asked for (`contact_id` → contact). It never says more than the URL already does: outsiders get
404 for another team's records (accounts/access.py), so a 403 only reaches members whose role
is too low, and a 404 reads the same whether a record is missing or belongs to another team.
The 500 page renders without the database or the user, which may be what failed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# URL keyword (without "_id") -> (403 sentence, 404 sentence). Whole sentences, so that translations can
# decline the noun.
_THINGS: dict[str, tuple[Promise, Promise]] = {
    "conversation": (
        _("You do not have access to this conversation."),
        _("This conversation does not exist, or you do not have access to it."),
    ),
    "message": (
        _("You do not have access to this message."),
        _("This message does not exist, or you do not have access to it."),
    ),
    "contact": (
        _("You do not have access to this contact."),
        _("This contact does not exist, or you do not have access to it."),
    ),
    "organization": (
        _("You do not have access to this organization."),
        _("This organization does not exist, or you do not have access to it."),
    ),
    "lead": (
        _("You do not have access to this lead."),
        _("This lead does not exist, or you do not have access to it."),
    ),
    "call": (
        _("You do not have access to this call."),
        _("This call does not exist, or you do not have access to it."),
    ),
    "meeting": (
        _("You do not have access to this meeting."),
        _("This meeting does not exist, or you do not have access to it."),
    ),
    "attachment": (
        _("You do not have access to this attachment."),
        _("This attachment does not exist, or you do not have access to it."),
    ),
    "mailbox": (
        _("You do not have access to this mailbox."),
        _("This mailbox does not exist, or you do not have access to it."),
    ),
    "team": (
        _("You do not have access to this team."),
        _("This team does not exist, or you do not have access to it."),
    ),
}
# A draft or a sent message of the composer is a message to the user.
_ALIASES = {"outgoing": "message"}
_SETTINGS = (
    _("You do not have access to these settings."),
    _("These settings do not exist, or you do not have access to them."),
)
_PAGE = (
    _("You do not have access to this page."),
    _("This page does not exist, or you do not have access to it."),
)


def _sentences(request: HttpRequest) -> tuple[Promise, Promise]:
    match = request.resolver_match
    for keyword in match.kwargs if match is not None else ():
        thing = keyword.removesuffix("_id")
        if (sentences := _THINGS.get(_ALIASES.get(thing, thing))) is not None:
            return sentences
    return _SETTINGS if request.path.startswith("/settings/") else _PAGE


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = {"headline": _sentences(request)[0]}
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = {"headline": _sentences(request)[1]}
    return render(request, "404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the context processors query the database and the session.
    return HttpResponseServerError(loader.get_template("500.html").render())
