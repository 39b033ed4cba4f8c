"""What a signed-in person must do before anything else.

1. Professionals, staff and admin users: pass the second factor in this session (enrol first if
   they have no device yet). That comes first, so that a password alone never gets further —
   not even to changing it.
2. Anyone whose password was chosen by someone else (``must_change_password``): choose their own.

Every URL is gated — the professional pages, the vault, the Django admin, even the public
information pages — except the steps themselves, logging out and the language switch. Static
files are served before Django sees the request (WhiteNoise). The gate runs after
``OTPMiddleware`` and ``SessionTimeoutMiddleware`` (see ``MIDDLEWARE``).
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import otp

# Views a signed-in person may always reach (by URL name).
ALWAYS_OPEN = frozenset({"accounts:logout", "set_language"})
OTP_STEPS = frozenset({"accounts:otp_setup", "accounts:otp_verify"})
PASSWORD_STEP = "accounts:password_change_required"


def pending_step(request: HttpRequest) -> str | None:
    """The URL name of the step the signed-in person must go through first, if any."""
    user = request.user
    if not user.is_authenticated:
        return None
    if otp.needs_otp(user) and not otp.is_verified(user):  # type: ignore[arg-type]
        if otp.confirmed_device(user) is None:  # type: ignore[arg-type]
            return "accounts:otp_setup"
        return "accounts:otp_verify"
    if user.must_change_password:
        return PASSWORD_STEP
    return None


def redirect_to_step(request: HttpRequest, step: str) -> HttpResponse:
    url = reverse(step)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # htmx would swap the step's page into a fragment: make it load the whole page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class GateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        step = pending_step(request)
        if step is None:
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in ALWAYS_OPEN or name == step:
            return None
        if name in OTP_STEPS and step in OTP_STEPS:
            return None  # the views send the person to the right one of the two
        return redirect_to_step(request, step)
