"""The person's own account security: second factor, own password, sessions.

The gate (``accounts.gates``) sends people here before anything else; these pages never
concern anyone but the signed-in person.
"""

import segno
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre.http import AuthenticatedHttpRequest as Request
from journal.chain import record
from journal.models import JournalEntry

from . import otp
from .forms import NewPasswordForm, OtpCodeForm
from .models import Beneficiary, User
from .sessions import end_all_sessions

NEW_CODES_KEY = "coffre:new_backup_codes"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """Where to go once the step is done: the page first asked for, if it is ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(default)


def _with_next(request: HttpRequest, name: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def own_chain(user: User) -> Beneficiary | None:
    """A beneficiary's own events go to their chain (they see them); everyone else's to the
    platform chain."""
    if user.kind != User.Kind.BENEFICIARY:
        return None
    return Beneficiary.objects.filter(user=user).first()


def _needs_otp_or_404(request: Request) -> User:
    if not otp.needs_otp(request.user):
        raise Http404
    return request.user


def _qr_svg(text: str, label: str) -> SafeString:
    """The QR code as inline SVG (no external service, no script), with a white quiet zone."""
    svg = segno.make(text, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=label, svgclass="qr"
    )
    # segno escapes the title; the markup is our own.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


@require_http_methods(["GET", "POST"])
@login_required
def otp_setup(request: Request) -> HttpResponse:
    user = _needs_otp_or_404(request)
    if otp.is_verified(user):
        return redirect(_next_url(request, "accounts:security"))
    if otp.confirmed_device(user) is not None:
        return redirect(_with_next(request, "accounts:otp_verify"))
    device = otp.pending_device(user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = otp.verify_code(user, form.cleaned_data["code"], device=device)
        if result.device is not None:
            device.refresh_from_db()
            request.session[NEW_CODES_KEY] = otp.confirm_enrolment(request, device)
            record(None, user, JournalEntry.Action.TWO_FACTOR_ENROLLED)
            return redirect(_with_next(request, "accounts:otp_backup_codes"))
        form.add_error("code", _wrong_code_message(result))
    response = render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url, _("QR code to scan with the app")),
            "secret": otp.secret_text(device),
            "next": _next_url(request),
        },
    )
    response["Cache-Control"] = "no-store"  # the secret is on this page
    return response


def _wrong_code_message(result: otp.VerifyResult) -> str:
    if result.wait_until is not None:
        return _("Too many wrong codes. Wait %(seconds)d seconds, then try again.") % {
            "seconds": result.seconds_to_wait
        }
    return _("This code does not work. Type the code the app shows now (it changes every 30 s).")


@require_http_methods(["GET", "POST"])
@login_required
def otp_verify(request: Request) -> HttpResponse:
    user = _needs_otp_or_404(request)
    if otp.is_verified(user):
        return redirect(_next_url(request))
    if otp.confirmed_device(user) is None:
        return redirect(_with_next(request, "accounts:otp_setup"))
    form = OtpCodeForm(request.POST or None, allow_backup=True)
    if request.method == "POST" and form.is_valid():
        result = otp.verify_code(user, form.cleaned_data["code"])
        if result.device is not None:
            otp.mark_verified(request, result.device)
            left = otp.backup_codes_left(user)
            if result.device.persistent_id.startswith("otp_static") and left <= 3:
                messages.warning(
                    request,
                    _("Only %(count)d backup codes left: make new ones on “My account”.")
                    % {"count": left},
                )
            return redirect(_next_url(request))
        if result.wait_until is None:
            record(None, user, JournalEntry.Action.TWO_FACTOR_FAILED)
        form.add_error("code", _wrong_code_message(result))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
@login_required
def otp_backup_codes(request: Request) -> HttpResponse:
    """New backup codes are shown once, right after they are made; POST makes new ones."""
    user = _needs_otp_or_404(request)
    if request.method == "POST":
        request.session[NEW_CODES_KEY] = otp.new_backup_codes(user)
        record(None, user, JournalEntry.Action.BACKUP_CODES_RENEWED)
        return redirect("accounts:otp_backup_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    response = render(
        request,
        "accounts/otp_backup_codes.html",
        {"codes": codes, "left": otp.backup_codes_left(user), "next": _next_url(request)},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def password_change_required(request: Request) -> HttpResponse:
    """Choose one's own password after someone else chose it (desk, assisted reset)."""
    user = request.user
    if not user.must_change_password:
        return redirect(_next_url(request))
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save(commit=False)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        update_session_auth_hash(request, user)  # this session stays; the others end
        record(own_chain(user), user, JournalEntry.Action.PASSWORD_CHANGED)
        messages.success(request, _("Your new password is saved. Keep it to yourself."))
        return redirect(_next_url(request))
    return render(
        request,
        "accounts/password_change_required.html",
        {"form": form, "next": _next_url(request)},
    )


@require_GET
@login_required
def security(request: Request) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"needs_otp": otp.needs_otp(user)}
    if context["needs_otp"]:
        context["backup_codes_left"] = otp.backup_codes_left(user)
    return render(request, "accounts/security.html", context)


@require_POST
@login_required
def logout_everywhere(request: Request) -> HttpResponse:
    user = request.user
    record(own_chain(user), user, JournalEntry.Action.LOGGED_OUT_EVERYWHERE)
    end_all_sessions(user)
    logout(request)
    messages.success(
        request, _("You are logged out on all your devices, this one included. Log in again.")
    )
    return redirect("accounts:login")
