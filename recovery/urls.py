from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    # Lost password, on one's own (anonymous).
    path("recovery/", views.start, name="start"),
    path("recovery/paths/", views.paths, name="paths"),
    path("recovery/sms/", views.sms_send, name="sms_send"),
    path("recovery/sms/code/", views.sms_check, name="sms_check"),
    path("recovery/code/", views.recovery_code, name="code"),
    path("recovery/password/", views.new_password, name="new_password"),
    # The person's own recovery settings.
    path("coffre/recovery/", views.account, name="account"),
    path("coffre/recovery/code/", views.print_code, name="print_code"),
    path("coffre/recovery/phone/", views.phone, name="phone"),
    path("coffre/recovery/phone/code/", views.phone_check, name="phone_check"),
    # Assisted reset by a professional of a structure that follows the person.
    path("pro/b/<uuid:code>/recovery/", views.assisted, name="assisted"),
    path("pro/b/<uuid:code>/recovery/confirm/", views.assisted_confirm, name="assisted_confirm"),
]
