from django.urls import path

from . import capture_views, upload_views, views

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
    path("d/<uuid:code>/page/<int:number>/", capture_views.page_image, name="page"),
    path("d/<uuid:code>/thumbnail/", capture_views.thumbnail, name="thumbnail"),
    path("d/<uuid:code>/state/", capture_views.state, name="state"),
    path("d/<uuid:code>/pages/", capture_views.add_pages, name="add_pages"),
    path("d/<uuid:code>/retry/", capture_views.retry, name="retry"),
    path("d/<uuid:code>/originals/delete/", capture_views.delete_originals, name="originals"),
    path("d/<uuid:code>/confirm/", capture_views.confirm_details, name="confirm"),
    path("d/<uuid:code>/suggestion/dismiss/", capture_views.dismiss_suggestion, name="dismiss"),
    path("d/<uuid:code>/expiry/", capture_views.set_expiry, name="expiry"),
]
