"""Contacts: the contact page, create and edit forms, and the e-mail address and phone
number actions on the contact page (htmx fragments). The list is in `contact_lists`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parley.accounts.access import team_ids_for_user
from parley.accounts.models import Team
from parley.calls.models import Call, Meeting
from parley.contacts import gdpr, services
from parley.contacts.access import (
    can_delete_account,
    can_write_account,
    check_account_write,
    get_contact_for_user,
    get_email_of_contact,
    get_phone_of_contact,
    with_creator,
)
from parley.contacts.choices import labels_for_teams
from parley.contacts.custom_fields import custom_display
from parley.contacts.exceptions import ContactsError, InvalidEmailError, InvalidPhoneError
from parley.contacts.forms import CONTACT_FIELDS, ContactForm, EmailForm, NewContactForm, PhoneForm
from parley.contacts.models import Contact, FieldTarget
from parley.contacts.services import bulk
from parley.contacts.services.avatars import read_avatar, remove_contact_avatar, set_contact_avatar
from parley.contacts.services.gdpr import erase_contact
from parley.conversations.models import Conversation
from parley.web.views.timeline import timeline_context

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50
# Rows per tab of the contact page (conversations, calls, meetings); the timeline pages.
TAB_ROWS = 20


def int_param(request: AuthenticatedHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _detail_context(request: AuthenticatedHttpRequest, contact: Contact) -> dict[str, object]:
    writable = can_write_account(request.user, contact)
    return {
        "contact": contact,
        "labels": labels_for_teams([contact.team_id]),
        "custom_values": custom_display(contact, FieldTarget.CONTACT),
        "emails": contact.emails.all(),
        "phones": contact.phones.all(),
        "tags": contact.tags.all(),
        "managers": contact.managers.all(),
        "can_write": writable,
        "can_delete": can_delete_account(request.user, contact),
        "email_form": EmailForm(),
        "phone_form": PhoneForm(),
        "conversations": Conversation.objects.visible_to(request.user)
        .listed()
        .filter(contact=contact)
        .order_by("-last_message_at", "-pk")[:TAB_ROWS],
        "calls": Call.objects.visible_to(request.user)
        .filter(contact=contact)
        .order_by("-started_at", "-pk")[:TAB_ROWS],
        "meetings": Meeting.objects.visible_to(request.user)
        .filter(contact=contact)
        .order_by("-window_start", "-pk")[:TAB_ROWS],
    } | timeline_context(request, "contact", contact)


@login_required
def contact_detail(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id)
    return render(request, "web/contact_detail.html", _detail_context(request, contact))


@login_required
def contact_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(Team.objects.filter(pk__in=team_ids_for_user(request.user, write=True)))
    if not teams:
        raise PermissionDenied
    form = NewContactForm(request.POST or None, teams=teams, initial={"managers": [request.user]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.create_contact(
                team=data["team"],
                fields=form.contact_fields(),
                emails=[data["email"]] if data["email"] else [],
                phones=[services.NewPhone(data["phone"], data["phone_kind"])]
                if data["phone"]
                else [],
                organization=data["organization"],
                managers=with_creator(request.user, data["team"].pk, data["managers"]),
                tags=form.tag_names(),
                custom=form.custom_values(),
                actor=request.user,
            )
        except InvalidEmailError as error:
            form.add_error("email", str(error))
        except InvalidPhoneError as error:
            form.add_error("phone", str(error))
        except ContactsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The contact has been created."))
            return redirect("web:contact", contact_id=contact.pk)
    return render(request, "web/contact_form.html", {"form": form, "contact": None})


@login_required
def contact_edit(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    initial = {name: getattr(contact, name) for name in CONTACT_FIELDS} | {
        "team": contact.team_id,
        "tags": ", ".join(tag.name for tag in contact.tags.all()),
        "managers": list(contact.managers.all()),
        "organization": contact.organization_id,
        "custom": contact.custom,
    }
    form = ContactForm(
        request.POST or None, teams=[contact.team], team=contact.team, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact_profile(
                contact=contact,
                fields=form.contact_fields(),
                organization=form.cleaned_data["organization"],
                tags=form.tag_names(),
                managers=form.cleaned_data["managers"],
                custom=form.custom_values(),
                actor=request.user,
            )
        except ContactsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The contact has been saved."))
            return redirect("web:contact", contact_id=contact.pk)
    return render(request, "web/contact_form.html", {"form": form, "contact": contact})


@require_POST
@login_required
def contact_delete(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    if not can_delete_account(request.user, contact):
        raise PermissionDenied
    services.delete_contact(contact=contact)
    messages.success(request, _("The contact has been deleted."))
    return redirect("web:contacts")


def _channels(
    request: AuthenticatedHttpRequest,
    contact: Contact,
    *,
    email_form: EmailForm | None = None,
    phone_form: PhoneForm | None = None,
) -> HttpResponse:
    """The e-mail and phone section of the contact page, or the whole page without htmx."""
    if not request.htmx and email_form is None and phone_form is None:
        return redirect("web:contact", contact_id=contact.pk)
    context = _detail_context(request, contact)
    context |= {"email_form": email_form or EmailForm(), "phone_form": phone_form or PhoneForm()}
    template = "web/contact_detail.html#channels" if request.htmx else "web/contact_detail.html"
    status = 200 if email_form is None and phone_form is None else 422
    return render(request, template, context, status=status)


@require_POST
@login_required
def contact_email_add(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact_email(
                contact=contact,
                address=form.cleaned_data["address"],
                primary=form.cleaned_data["primary"],
            )
        except ContactsError as error:
            form.add_error("address", str(error))
        else:
            return _channels(request, contact)
    return _channels(request, contact, email_form=form)


@require_POST
@login_required
def contact_email_remove(
    request: AuthenticatedHttpRequest, contact_id: int, email_id: int
) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    services.remove_contact_email(email=get_email_of_contact(contact, email_id))
    return _channels(request, contact)


@require_POST
@login_required
def contact_email_primary(
    request: AuthenticatedHttpRequest, contact_id: int, email_id: int
) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    services.set_primary_email(email=get_email_of_contact(contact, email_id))
    return _channels(request, contact)


@require_POST
@login_required
def contact_phone_add(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    form = PhoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact_phone(
                contact=contact, raw=form.cleaned_data["number"], kind=form.cleaned_data["kind"]
            )
        except ContactsError as error:
            form.add_error("number", str(error))
        else:
            return _channels(request, contact)
    return _channels(request, contact, phone_form=form)


@require_POST
@login_required
def contact_phone_remove(
    request: AuthenticatedHttpRequest, contact_id: int, phone_id: int
) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    services.remove_contact_phone(phone=get_phone_of_contact(contact, phone_id))
    return _channels(request, contact)


def _gdpr_contact(request: AuthenticatedHttpRequest, contact_id: int) -> Contact:
    """GDPR work is for those who may delete the contact (team admins and managers, type
    admins)."""
    contact = get_contact_for_user(request.user, contact_id)
    if not can_delete_account(request.user, contact):
        raise PermissionDenied
    return contact


@login_required
def contact_gdpr_export(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Everything about the contact: JSON and the raw e-mails, as a zip."""
    contact = _gdpr_contact(request, contact_id)
    response = HttpResponse(gdpr.export_zip(contact), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-gdpr.zip"'
    return response


@require_POST
@login_required
def contact_erase(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = _gdpr_contact(request, contact_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("web:contact", contact_id=contact.pk)
    erase_contact(contact=contact, actor=request.user)
    messages.success(request, _("The contact's personal data has been erased."))
    return redirect("web:contact", contact_id=contact.pk)


@require_POST
@login_required
def contact_lock(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Lock (anyone who may change the contact) or unlock (team admins) one contact."""
    contact = get_contact_for_user(request.user, contact_id, write=True)
    locked = request.POST.get("locked") == "1"
    results = bulk.bulk_lock_contacts(
        contacts=[contact],
        locked=locked,
        check=lambda c: check_account_write(request.user, c),
        actor=request.user,
    )
    if results[0].ok:
        messages.success(request, _("Locked.") if locked else _("Unlocked."))
    return redirect("web:contact", contact_id=contact.pk)


@login_required
def contact_avatar(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """The avatar image, only for those who may see the contact (never a public URL)."""
    contact = get_contact_for_user(request.user, contact_id)
    data = read_avatar(contact)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="image/png")
    # Pages link to `?v=<file name>`, so a new picture is a new URL and this one can be kept.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@login_required
def contact_avatar_upload(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    upload = request.FILES.get("avatar")
    if upload is None:
        messages.error(request, _("Choose an image to upload."))
        return redirect("web:contact", contact_id=contact.pk)
    try:
        set_contact_avatar(contact=contact, upload=upload, actor=request.user)
    except ContactsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The picture has been saved."))
    return redirect("web:contact", contact_id=contact.pk)


@require_POST
@login_required
def contact_avatar_remove(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, contact_id, write=True)
    remove_contact_avatar(contact=contact, actor=request.user)
    messages.success(request, _("The picture has been removed."))
    return redirect("web:contact", contact_id=contact.pk)
