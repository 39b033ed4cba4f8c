"""Logging in test clients the way the gate expects (never by switching the gate off).

Professionals, staff and admin users must pass the second factor in each session
(``accounts.gates``). ``force_login_verified`` logs a user in and, for them, marks the session
as verified with a real confirmed TOTP device, through django-otp's own ``login`` — exactly what
the verify page does after a correct code. Beneficiaries are simply logged in.
"""

import django_otp
from django.http import HttpRequest
from django.test import Client
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.models import User


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device (made, as if they had enrolled, when they have none)."""
    device = otp.confirmed_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: the current one, or the next one if the current time
    step was already used (django-otp refuses a code twice; it allows one step of drift)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now_t = totp.t()  # the time step the server expects now (drift included)
    step = max(now_t, device.last_t + 1)
    assert step <= now_t + device.tolerance, "this device was already used twice in 30 s"
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def mark_session_verified(client: Client, user: User) -> None:
    request = HttpRequest()
    request.session = client.session
    request.user = user
    django_otp.login(request, totp_device(user))
    request.session.save()


def force_login_verified(client: Client, user: User) -> User:
    """``client.force_login`` + the second factor for the users who need it."""
    client.force_login(user)
    if otp.needs_otp(user):
        mark_session_verified(client, user)
    return user
