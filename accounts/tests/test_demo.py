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


@pytest.mark.django_db
def test_the_demo_person_has_an_agenda_and_a_paper_about_to_expire():
    from agenda.models import Appointment, Contact, Note
    from vault.models import Document

    call_command("load_demo", stdout=io.StringIO())
    appointment = Appointment.objects.get(owner__user__username="camille.exemple")
    assert appointment.is_shared and appointment.reminders.count() == 2
    assert Contact.objects.get().phone == "115"
    assert Note.objects.count() == 1
    card = Document.objects.get(doc_type=Document.Type.IDENTITY_CARD)
    assert card.expires_on is not None  # prepared by the worker, like any deposit
