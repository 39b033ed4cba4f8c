"""`make run` demo data: the demo professionals can log in, with a code from `demo_totp`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.auth import totp_device
from vault.management.commands.load_demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_demo_professionals_log_in_with_the_printed_code(client, world):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "demo_totp demo.pro" in out.getvalue()
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    for username in ("demo.pro", "demo.admin", "demo.staff"):
        code = io.StringIO()
        call_command("demo_totp", username, stdout=code, stderr=io.StringIO())
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302
        response = client.post(reverse("accounts:otp_verify"), {"code": code.getvalue().strip()})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert client.get(reverse("accounts:security")).status_code == 200
        client.post(reverse("accounts:logout"))


@pytest.mark.django_db
def test_demo_totp_prints_no_real_secret(world, settings):
    totp_device(world.professional)
    with pytest.raises(CommandError):
        call_command("demo_totp", world.professional.username, stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_totp", "demo.pro", stdout=io.StringIO())
