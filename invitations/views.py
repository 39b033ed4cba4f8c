"""The invited person's side: open the link, choose a username and a password.

The token leaves the address bar at once (kept in the session), so that it does not linger in
the browser history, in server logs or in a Referer header.
"""

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .forms import AcceptForm

TOKEN_KEY = "invitations:token"


def _refused(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(request, "invitations/open.html", {"problem": problem}, status=status)


@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        return _refused(request, "signed_in", 200)
    invitation = services.find(token)
    if invitation is None:
        return _refused(request, "invalid", 404)
    if not invitation.is_pending:
        return _refused(request, "invalid", 410)
    request.session[TOKEN_KEY] = token
    return redirect("invitations:accept")


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return _refused(request, "signed_in", 200)
    invitation = services.find(request.session.get(TOKEN_KEY, ""))
    if invitation is None:
        return _refused(request, "invalid", 404)
    if not invitation.is_pending:
        return _refused(request, "invalid", 410)
    form = AcceptForm(invitation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept(
                invitation, form.cleaned_data["username"], form.cleaned_data["password1"]
            )
        except services.InvitationUnavailable:
            return _refused(request, "invalid", 410)
        request.session.pop(TOKEN_KEY, None)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        # The gate sends a new professional to the second-factor enrolment.
        return redirect("accounts:otp_setup")
    return render(request, "invitations/accept.html", {"form": form, "invitation": invitation})
