"""Two-step verification (TOTP with django-otp) for professionals and staff.

- Who needs it: professionals, platform staff, and any account that can open the Django admin
  (``needs_otp``). Beneficiaries do not: their recovery must not depend on a phone app.
- Enrolment: an unconfirmed ``TOTPDevice`` (its secret shown as a QR code and as text) becomes
  confirmed with a first valid code; 10 single-use backup codes (``StaticDevice``) are then shown
  once. Backup codes are stored as keyed hashes (HMAC with the SECRET_KEY), never in clear.
- Verification: a 6-digit code goes to the TOTP device, anything else to the backup codes; each
  device throttles its own failures (django-otp: 1, 2, 4, 8… seconds). A verified session keeps
  the device id (``django_otp.login``); ``OTPMiddleware`` reads it on every request.
- Reset (lost phone): by an administrator of one of the person's structures, or by staff.
  Devices are deleted, every session ends and the person enrols again at next login.
"""

import datetime
import re
from base64 import b32encode

import django_otp
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

BACKUP_CODES = 10
TOTP_NAME = "app"
BACKUP_NAME = "backup"
_TOTP_FORMAT = re.compile(r"^\d{6}$")
_SPACES = re.compile(r"[\s-]+")


def needs_otp(user: User) -> bool:
    """Professionals, staff, and anyone who can open the admin must use a second factor."""
    return (
        user.kind in (User.Kind.PROFESSIONAL, User.Kind.STAFF) or user.is_staff or user.is_superuser
    )


def is_verified(user: object) -> bool:
    """True when the session was verified with a second factor (``OTPMiddleware``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()  # type: ignore[no-any-return]


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same secret until it is confirmed (a reload keeps it)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device  # type: ignore[no-any-return]


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return _SPACES.sub("", code or "").lower()


def backup_code_digest(code: str) -> str:
    """What is stored for a backup code: a keyed hash (16 hex characters fit django-otp's row)."""
    return salted_hmac("coffre.accounts.otp.backup_code", _normalise(code)).hexdigest()[:16]


def new_backup_codes(user: User) -> list[str]:
    """Replace the person's backup codes with 10 new ones; returns them in clear, once."""
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=backup_code_digest(code)) for code in codes
        )
    return [f"{code[:4]} {code[4:]}" for code in codes]


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


class VerifyResult:
    def __init__(self, device: Device | None = None, wait_until: datetime.datetime | None = None):
        self.device = device
        self.wait_until = wait_until

    @property
    def seconds_to_wait(self) -> int:
        if self.wait_until is None:
            return 0
        return max(1, int((self.wait_until - timezone.now()).total_seconds()) + 1)


def _throttled(device: Device) -> datetime.datetime | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    return until if isinstance(until, datetime.datetime) else timezone.now()


def verify_code(user: User, code: str, device: TOTPDevice | None = None) -> VerifyResult:
    """Check a code: 6 digits against the TOTP device (or ``device`` being enrolled), anything
    else against the backup codes. A used code cannot be used again (django-otp keeps the last
    time step; a backup code is deleted)."""
    code = _normalise(code)
    with transaction.atomic():
        if device is not None:
            candidates: list[Device] = [TOTPDevice.objects.select_for_update().get(pk=device.pk)]
            token = code
        elif _TOTP_FORMAT.match(code):
            candidates = list(
                TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
            )
            token = code
        else:
            candidates = list(
                StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
            )
            token = backup_code_digest(code)
        for candidate in candidates:
            wait_until = _throttled(candidate)
            if wait_until is not None:
                return VerifyResult(wait_until=wait_until)
            if candidate.verify_token(token):
                return VerifyResult(device=candidate)
    return VerifyResult()


def mark_verified(request: HttpRequest, device: Device) -> None:
    """This session passed the second factor (django-otp keeps the device id in the session)."""
    django_otp.login(request, device)


def confirm_enrolment(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """The first valid code confirms the device: drop any older one, mark the session, make
    the backup codes. Returns the backup codes in clear, to show once."""
    user = device.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
    mark_verified(request, device)
    return codes


def reset(user: User, actor: User) -> bool:
    """Delete every second-factor device of ``user`` and end their sessions: they enrol again
    at next login. Journaled (platform chain) when there was something to reset."""
    from journal.chain import record
    from journal.models import JournalEntry

    from .sessions import end_all_sessions

    with transaction.atomic():
        deleted = TOTPDevice.objects.filter(user=user).delete()[0]
        deleted += StaticDevice.objects.filter(user=user).delete()[0]
        if not deleted:
            return False
        end_all_sessions(user)
        record(
            None,
            actor,
            JournalEntry.Action.TWO_FACTOR_RESET,
            account=user.username,
            name=user.display_name,
        )
    return True
