"""Mounted at /pro/agenda/: what is coming for a structure's people (professionals only)."""

from django.urls import path

from . import dashboard

app_name = "agenda_dashboard"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("s/<uuid:code>/", dashboard.structure_dashboard, name="dashboard"),
]
