from django.contrib import admin
from django.urls import include, path

from accounts.views import home
from coffre.health import health

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("", include("accounts.urls")),
    path("coffre/agenda/", include("agenda.urls")),
    path("coffre/", include("vault.urls")),
    path("coffre/", include("structures.owner_urls")),
    path("privacy/", include("privacy.urls")),
    path("pro/agenda/", include("agenda.dashboard_urls")),
    path("pro/", include("structures.urls")),
    path("", include("recovery.urls")),  # /recovery/, /coffre/recovery/, /pro/b/<code>/recovery/
    path("info/", include("pages.urls")),
    path("invitation/", include("invitations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
