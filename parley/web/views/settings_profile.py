"""Settings → Profile: name, language, signature and notification sound of the signed-in user."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from parley.accounts import services
from parley.accounts.forms import ProfileForm
from parley.web.views._auth import AuthenticatedHttpRequest


@login_required
def settings_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect("web:settings_profile")


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "name": user.name,
        "language": user.language,
        "signature": user.signature,
        "notification_sound": user.notification_sound,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=user, **form.cleaned_data)
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your profile has been saved."))
        return redirect("web:settings_profile")
    return render(request, "web/settings_profile.html", {"form": form})
