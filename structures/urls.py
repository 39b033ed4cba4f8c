from django.urls import path

from vault import upload_views

from . import team_views, views

app_name = "structures"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<uuid:code>/", views.structure_detail, name="structure"),
    path("s/<uuid:code>/new/", views.beneficiary_create, name="beneficiary_create"),
    path("s/<uuid:code>/team/", team_views.team_page, name="team"),
    path("s/<uuid:code>/team/invite/", team_views.invite, name="team_invite"),
    path(
        "s/<uuid:code>/team/invitations/<uuid:invitation_code>/resend/",
        team_views.invitation_resend,
        name="team_invitation_resend",
    ),
    path(
        "s/<uuid:code>/team/invitations/<uuid:invitation_code>/cancel/",
        team_views.invitation_cancel,
        name="team_invitation_cancel",
    ),
    path("s/<uuid:code>/team/<uuid:user_code>/remove/", team_views.remove, name="team_remove"),
    path(
        "s/<uuid:code>/team/<uuid:user_code>/reset-two-step/",
        team_views.reset_two_factor,
        name="team_reset_two_factor",
    ),
    path("b/<uuid:code>/", views.beneficiary_detail, name="beneficiary"),
    path("b/<uuid:code>/upload/", upload_views.upload_on_behalf, name="upload"),
]
