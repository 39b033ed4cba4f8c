from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("conditions/", views.page, {"name": "terms"}, name="terms"),
    path("fonctionnement/", views.page, {"name": "how_it_works"}, name="how_it_works"),
    path("vie-privee/", views.page, {"name": "privacy"}, name="privacy"),
    path("garanties/", views.page, {"name": "guarantees"}, name="guarantees"),
    path("recuperer/", views.page, {"name": "restitution"}, name="restitution"),
]
