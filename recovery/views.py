"""Lost password: the person on their own (SMS code, printed recovery code), or helped at a
structure; and the person's own "Recovery" page (recovery code, phone number)."""

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Beneficiary, User
from coffre.http import AuthenticatedHttpRequest as Request
from notify.backends.base import SmsDeliveryError
from privacy import reauth
from structures.models import Structure
from vault import policy
from vault.policy import Action

from . import lib, services
from .forms import (
    DocumentSeen,
    IdentifierForm,
    NewPasswordForm,
    PasswordAgainForm,
    PhoneForm,
    RecoveryCodeForm,
    SmsCodeForm,
)
from .models import SmsCode
from .services import CodeResult, Path

IDENTIFIER_KEY = "recovery:identifier"
SMS_KEY = "recovery:sms"
PROOF_KEY = "recovery:proof"
PHONE_SMS_KEY = "recovery:phone_sms"
ASSISTED_KEY = "recovery:assisted"
PROOF_MAX_AGE = 15 * 60  # seconds to choose the new password once the code is checked

TOO_MANY = gettext_lazy(
    "Too many tries. Wait an hour, or go to your structure: they can help you now."
)


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def evened(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous recovery steps answer a POST no sooner than COFFRE_RECOVERY_MIN_SECONDS, so
    that sending an SMS (to a real account only) does not show in the response time."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        start = time.monotonic()
        response = view(request, *args, **kwargs)
        if request.method == "POST":
            left = settings.COFFRE_RECOVERY_MIN_SECONDS - (time.monotonic() - start)
            if left > 0:
                time.sleep(left)
        return response

    return wrapper


# --- On one's own: username or phone, then a path ----------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@evened
def start(request: HttpRequest) -> HttpResponse:
    form = IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        # The same query whatever was typed; what it found is only used at the next steps.
        services.find_account(identifier)
        for key in (SMS_KEY, PROOF_KEY):
            request.session.pop(key, None)
        request.session[IDENTIFIER_KEY] = identifier
        return redirect("recovery:paths")
    return render(request, "recovery/start.html", {"form": form})


def _identifier(request: HttpRequest) -> str | None:
    value = request.session.get(IDENTIFIER_KEY)
    return value if isinstance(value, str) and value else None


@never_cache
@require_GET
def paths(request: HttpRequest) -> HttpResponse:
    identifier = _identifier(request)
    if identifier is None:
        return redirect("recovery:start")
    return render(request, "recovery/paths.html", {"identifier": identifier})


@require_POST
@evened
def sms_send(request: HttpRequest) -> HttpResponse:
    identifier = _identifier(request)
    if identifier is None:
        return redirect("recovery:start")
    user = services.find_account(identifier)
    try:
        row = services.send_recovery_sms(identifier, user, _address(request))
    except services.TooManyRequests:
        messages.error(request, TOO_MANY)
        return redirect("recovery:paths")
    request.session[SMS_KEY] = str(row.code)
    return redirect("recovery:sms_check")


def _prove(request: HttpRequest, user_id: int, path: Path, recovery_code_id: int | None) -> None:
    request.session.cycle_key()  # a new session id once something was proved
    request.session[PROOF_KEY] = {
        "user": user_id,
        "path": str(path),
        "at": time.time(),
        "recovery_code": recovery_code_id,
    }
    request.session.pop(SMS_KEY, None)


@never_cache
@require_http_methods(["GET", "POST"])
@evened
def sms_check(request: HttpRequest) -> HttpResponse:
    code = request.session.get(SMS_KEY)
    if _identifier(request) is None or not code:
        return redirect("recovery:start")
    form = SmsCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, row = services.check_sms_code(
            code, SmsCode.Purpose.RECOVERY, form.cleaned_data["code"]
        )
        if result == CodeResult.OK and row is not None and row.user_id is not None:
            _prove(request, row.user_id, Path.SMS, None)
            return redirect("recovery:new_password")
        if result == CodeResult.DEAD:
            request.session.pop(SMS_KEY, None)
            messages.error(request, _("This code no longer works. Ask for a new one."))
            return redirect("recovery:paths")
        left = services.MAX_TRIES - (row.attempts if row else 0)
        form.add_error(
            "code",
            ngettext(
                "This is not the code. %(count)d try left.",
                "This is not the code. %(count)d tries left.",
                left,
            )
            % {"count": left},
        )
    return render(request, "recovery/sms_check.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@evened
def recovery_code(request: HttpRequest) -> HttpResponse:
    identifier = _identifier(request)
    if identifier is None:
        return redirect("recovery:start")
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.find_account(identifier)
        try:
            row = services.check_recovery_code(
                identifier, user, form.cleaned_data["code"], _address(request)
            )
        except services.TooManyRequests:
            form.add_error(None, TOO_MANY)
        else:
            if row is not None:
                _prove(request, row.user_id, Path.RECOVERY_CODE, row.pk)
                return redirect("recovery:new_password")
            form.add_error(
                "code", _("This code does not match. Check the username and each letter.")
            )
    return render(request, "recovery/code.html", {"form": form})


def _proof(request: HttpRequest) -> dict[str, Any] | None:
    proof = request.session.get(PROOF_KEY)
    if not isinstance(proof, dict) or not isinstance(proof.get("at"), int | float):
        return None
    if not 0 <= time.time() - proof["at"] <= PROOF_MAX_AGE:
        return None
    return proof


@never_cache
@require_http_methods(["GET", "POST"])
def new_password(request: HttpRequest) -> HttpResponse:
    proof = _proof(request)
    user = (
        User.objects.filter(pk=proof["user"], is_active=True, kind=User.Kind.BENEFICIARY).first()
        if proof
        else None
    )
    if proof is None or user is None:
        messages.error(request, _("This step has expired. Start again."))
        return redirect("recovery:start")
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                user,
                form.cleaned_data["new_password1"],
                Path(proof["path"]),
                user,
                recovery_code_id=proof.get("recovery_code"),
            )
        except services.CodeAlreadyUsed:
            messages.error(request, _("This recovery code was already used. Start again."))
            return redirect("recovery:start")
        finally:
            for key in (IDENTIFIER_KEY, SMS_KEY, PROOF_KEY):
                request.session.pop(key, None)
        messages.success(request, _("Your new password is saved. Log in with it now."))
        return redirect(f"{reverse('accounts:login')}?u={user.username}")
    return render(
        request,
        "recovery/new_password.html",
        {"form": form, "username": user.username, "path": proof["path"]},
    )


# --- The person's own page: recovery code, phone number --------------------------------------


def _me(request: Request) -> Beneficiary:
    found = policy.own_vault(request.user)
    if found is None:
        raise Http404
    return found


@require_GET
@login_required
def account(request: Request) -> HttpResponse:
    me = _me(request)
    user = request.user
    return render(
        request,
        "recovery/account.html",
        {
            "me": me,
            "code": services.has_recovery_code(user),
            "phone": services.verified_phone(user),
            "unverified_phone": user.phone if not user.phone_verified_at else "",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def print_code(request: Request) -> HttpResponse:
    """A new recovery code for the signed-in person, after their password; shown once."""
    me = _me(request)
    form = PasswordAgainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if reauth.confirm_password(request, form.cleaned_data["password"]):
            code = services.issue_recovery_code(request.user, request.user)
            response = render(
                request,
                "recovery/code_printout.html",
                {"me": me, "code": code, "username": request.user.username},
            )
            response["Cache-Control"] = "no-store"
            return response
        form.add_error("password", _("This is not your password. Try again."))
    return render(
        request,
        "recovery/print_code.html",
        {"form": form, "replaces": services.has_recovery_code(request.user)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def phone(request: Request) -> HttpResponse:
    _me(request)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not reauth.confirm_password(request, form.cleaned_data["password"]):
            form.add_error("password", _("This is not your password. Try again."))
        else:
            try:
                row = services.send_phone_verification(
                    request.user, form.cleaned_data["phone"], _address(request)
                )
            except services.TooManyRequests:
                form.add_error(None, _("Too many codes were sent. Try again in an hour."))
            except SmsDeliveryError:
                form.add_error(None, _("The SMS could not be sent. Try again in a moment."))
            else:
                request.session[PHONE_SMS_KEY] = str(row.code)
                return redirect("recovery:phone_check")
    return render(request, "recovery/phone.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def phone_check(request: Request) -> HttpResponse:
    _me(request)
    code = request.session.get(PHONE_SMS_KEY)
    row = SmsCode.objects.filter(code=code, user=request.user).first() if code else None
    if row is None:
        return redirect("recovery:phone")
    form = SmsCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, checked = services.check_sms_code(
            str(row.code), SmsCode.Purpose.VERIFY_PHONE, form.cleaned_data["code"]
        )
        if result == CodeResult.OK and checked is not None:
            services.confirm_phone(checked)
            request.session.pop(PHONE_SMS_KEY, None)
            messages.success(request, _("Your phone number is confirmed."))
            return redirect("recovery:account")
        if result == CodeResult.DEAD:
            request.session.pop(PHONE_SMS_KEY, None)
            messages.error(request, _("This code no longer works. Ask for a new one."))
            return redirect("recovery:phone")
        form.add_error("code", _("This is not the code. Check it and try again."))
    return render(
        request, "recovery/phone_check.html", {"form": form, "hint": lib.phone_hint(row.phone)}
    )


# --- Assisted reset at a structure -----------------------------------------------------------


def _followed(request: Request, code: str) -> tuple[Beneficiary, Structure]:
    """A person of one of the professional's structures, with an active affiliation: else 404."""
    if not request.user.is_professional:
        raise Http404
    beneficiary = policy.get_beneficiary_for(request.user, Action.LIST, code)
    structure = policy.acting_structure(request.user, beneficiary)
    if structure is None:
        raise Http404
    return beneficiary, structure


def _one_time_password_page(
    request: Request, beneficiary: Beneficiary, password: str
) -> HttpResponse:
    response = render(
        request,
        "recovery/assisted_done.html",
        {"beneficiary": beneficiary, "password": password},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def assisted(request: Request, code: str) -> HttpResponse:
    beneficiary, structure = _followed(request, code)
    phone = services.verified_phone(beneficiary.user)
    form = DocumentSeen(request.POST or None, has_phone=bool(phone))
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        if not phone or form.cleaned_data.get("phone_lost"):
            password = services.assisted_reset(
                request.user,
                beneficiary,
                structure,
                document,
                sms_confirmed=False,
                phone_lost=bool(phone),
            )
            return _one_time_password_page(request, beneficiary, password)
        try:
            row = services.send_assisted_sms(request.user, beneficiary, structure, document)
        except services.TooManyRequests:
            form.add_error(None, _("Too many codes were sent to this number. Try again later."))
        except SmsDeliveryError:
            form.add_error(None, _("The SMS could not be sent. Try again in a moment."))
        else:
            request.session[ASSISTED_KEY] = {"sms": str(row.code), "person": str(beneficiary.code)}
            return redirect("recovery:assisted_confirm", code=beneficiary.code)
    return render(
        request,
        "recovery/assisted.html",
        {
            "beneficiary": beneficiary,
            "structure": structure,
            "form": form,
            "hint": lib.phone_hint(phone),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def assisted_confirm(request: Request, code: str) -> HttpResponse:
    beneficiary, structure = _followed(request, code)
    pending = request.session.get(ASSISTED_KEY)
    if not isinstance(pending, dict) or pending.get("person") != str(beneficiary.code):
        return redirect("recovery:assisted", code=beneficiary.code)
    form = SmsCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, row = services.check_sms_code(
            pending["sms"], SmsCode.Purpose.ASSISTED, form.cleaned_data["code"]
        )
        mine = (
            row is not None
            and row.requested_by_id == request.user.pk
            and row.user_id == beneficiary.user_id
        )
        if result == CodeResult.OK and row is not None and mine:
            request.session.pop(ASSISTED_KEY, None)
            password = services.assisted_reset(
                request.user,
                beneficiary,
                structure,
                str(row.details.get("document", "")),
                sms_confirmed=True,
            )
            return _one_time_password_page(request, beneficiary, password)
        if result == CodeResult.DEAD or not mine:
            request.session.pop(ASSISTED_KEY, None)
            messages.error(request, _("This code no longer works. Start again."))
            return redirect("recovery:assisted", code=beneficiary.code)
        form.add_error("code", _("This is not the code. Check it with the person."))
    return render(
        request,
        "recovery/assisted_confirm.html",
        {
            "beneficiary": beneficiary,
            "form": form,
            "hint": lib.phone_hint(services.verified_phone(beneficiary.user)),
        },
    )
