from __future__ import annotations

from django.urls import include, path

from parley.api.urls import api

urlpatterns = [
    path("accounts/", include("parley.accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("parley.web.urls")),
]
