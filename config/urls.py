from __future__ import annotations

from django.urls import include, path

from parley.api.urls import api

urlpatterns = [
    path("accounts/", include("parley.accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("parley.web.urls")),
]

# Styled error pages in the application shell (DEBUG=False).
handler403 = "parley.web.views.errors.permission_denied"
handler404 = "parley.web.views.errors.page_not_found"
handler500 = "parley.web.views.errors.server_error"
