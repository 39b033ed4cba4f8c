from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("export/", views.export, name="export"),
    path("export/download/", views.export_download, name="export_download"),
    path("delete/", views.delete_account, name="delete_account"),
    path("delete/cancel/", views.cancel_deletion, name="cancel_deletion"),
    path("receipt/<uuid:code>/", views.receipt, name="receipt"),
]
