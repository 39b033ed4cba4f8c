from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .forms import LoginForm


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if request.user.kind == request.user.Kind.BENEFICIARY:
        return redirect("vault:home")
    if request.user.kind == request.user.Kind.PROFESSIONAL:
        return redirect("structures:home")
    return redirect("admin:index")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
