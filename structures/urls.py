from django.urls import path

from vault import upload_views

from . import views

app_name = "structures"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<uuid:code>/", views.structure_detail, name="structure"),
    path("s/<uuid:code>/new/", views.beneficiary_create, name="beneficiary_create"),
    path("s/<uuid:code>/team/", views.team, name="team"),
    path("s/<uuid:code>/team/<uuid:user_code>/remove/", views.team_remove, name="team_remove"),
    path("b/<uuid:code>/", views.beneficiary_detail, name="beneficiary"),
    path("b/<uuid:code>/upload/", upload_views.upload_on_behalf, name="upload"),
]
