from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("new-account/", views.accept, name="accept"),
    path("<str:token>/", views.open_link, name="open"),
]
