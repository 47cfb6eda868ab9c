from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_noop

# The empty choice of every select field since Django 6.1. Django's own Polish catalog does
# not translate it yet; naming it here puts it into ours (makemessages reads only our code).
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


class WebConfig(AppConfig):
    name = "parley.web"
    label = "web"
