from django.contrib.auth.views import LogoutView
from django.urls import path

from . import security_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("coffre/card/", views.my_card, name="my_card"),
    path("pro/b/<uuid:code>/card/", views.card_for, name="card_for"),
    path("account/", security_views.security, name="security"),
    path("account/two-step/", security_views.otp_setup, name="otp_setup"),
    path("account/two-step/verify/", security_views.otp_verify, name="otp_verify"),
    path(
        "account/two-step/backup-codes/",
        security_views.otp_backup_codes,
        name="otp_backup_codes",
    ),
    path(
        "account/password/",
        security_views.password_change_required,
        name="password_change_required",
    ),
    path(
        "account/logout-everywhere/",
        security_views.logout_everywhere,
        name="logout_everywhere",
    ),
]
