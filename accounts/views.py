from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from vault import policy
from vault.policy import Action
from vault.serving import content_disposition

from .card import member_card_pdf
from .forms import LoginForm
from .models import Beneficiary


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

    def get_initial(self) -> dict[str, str]:
        # The member card's QR code opens /login/?u=<username>: one thing less to type.
        return {"username": self.request.GET.get("u", "")[:150]}


def card_response(beneficiary: Beneficiary, request: HttpRequest) -> HttpResponse:
    structure = policy.card_structure(request.user, beneficiary)
    login_url = request.build_absolute_uri(reverse("accounts:login"))
    pdf = member_card_pdf(
        beneficiary, structure, f"{login_url}?{urlencode({'u': beneficiary.user.username})}"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition("carte-coffre.pdf", inline=True)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def my_card(request: HttpRequest) -> HttpResponse:
    beneficiary = policy.own_vault(request.user)
    if beneficiary is None:
        raise Http404
    return card_response(beneficiary, request)


@require_GET
@login_required
def card_for(request: HttpRequest, code: str) -> HttpResponse:
    """A professional prints the card again for a person of their structure."""
    return card_response(policy.get_beneficiary_for(request.user, Action.LIST, code), request)
