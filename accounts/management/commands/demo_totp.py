"""Print the current two-step verification code of a demo account (``make run`` only).

The demo professionals and staff (``load_demo``) share one fictional, published TOTP secret, so
that a tester can log in without a phone: ``manage.py demo_totp demo.pro``. Any other account is
refused: real secrets are never printed.
"""

from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

# 20 bytes of obviously fictional text: "COFFRE-DEMO-FICTIF!!". Published on purpose.
DEMO_TOTP_KEY = b"COFFRE-DEMO-FICTIF!!".hex()
DEMO_TOTP_SECRET = b32encode(unhexlify(DEMO_TOTP_KEY)).decode()


def give_demo_device(user: User) -> None:
    """A confirmed device with the demo secret, unless the account already has one."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)


class Command(BaseCommand):
    help = "Print the current two-step verification code of a demo account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="demo.pro, demo.admin or demo.staff")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("demo_totp is for the demo data of `make run`, not production.")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], key=DEMO_TOTP_KEY, confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                f"{options['username']!r} has no demo device: only the demo accounts of "
                "`manage.py load_demo` work here."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for {seconds} more seconds; each code works once)")
