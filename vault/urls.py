from django.urls import path

from . import upload_views, views

app_name = "vault"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", upload_views.my_upload, name="upload"),
    path("journal/", views.journal, name="journal"),
    path("folders/new/", views.folder_create, name="folder_create"),
    path("folders/<uuid:code>/visibility/", views.folder_visibility, name="folder_visibility"),
    path("folders/<uuid:code>/delete/", views.folder_delete, name="folder_delete"),
    path("d/<uuid:code>/", views.document_detail, name="document"),
    path("d/<uuid:code>/download/", views.document_download, name="download"),
    path("d/<uuid:code>/rename/", views.document_rename, name="rename"),
    path("d/<uuid:code>/move/", views.document_move, name="move"),
    path("d/<uuid:code>/visibility/", views.document_visibility, name="visibility"),
    path("d/<uuid:code>/delete/", views.document_delete, name="delete"),
]
