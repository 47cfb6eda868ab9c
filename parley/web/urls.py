from __future__ import annotations

from django.urls import path

from parley.web.views import home

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
]
