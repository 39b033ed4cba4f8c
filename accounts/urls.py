from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("coffre/card/", views.my_card, name="my_card"),
    path("pro/b/<uuid:code>/card/", views.card_for, name="card_for"),
]
