"""The person's side of structures: their answer to a structure that asks to follow them."""

from django.urls import path

from . import views

app_name = "affiliations"

urlpatterns = [
    path(
        "requests/<uuid:code>/accept/",
        views.affiliation_request_decide,
        {"decision": "accept"},
        name="accept",
    ),
    path(
        "requests/<uuid:code>/refuse/",
        views.affiliation_request_decide,
        {"decision": "refuse"},
        name="refuse",
    ),
]
