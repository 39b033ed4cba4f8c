"""The product URLconf plus the plain baseline endpoints (bench only)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/plain/upload/", views.plain_upload, name="bench_plain_upload"),
    path("bench/plain/<str:name>/download/", views.plain_download, name="bench_plain_download"),
    path("bench/plain/<str:name>/delete/", views.plain_delete, name="bench_plain_delete"),
    path("", include("coffre.urls")),
]
