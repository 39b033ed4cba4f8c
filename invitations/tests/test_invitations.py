"""Invitations by email link: one use, expiring, stored hashed; the invited person chooses a
username and password, then lands in the second-factor enrolment. Staff invite from the admin."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from invitations import services
from invitations.models import Invitation
from journal.models import JournalEntry
from structures.models import Membership
from tests.auth import force_login_verified

ACCEPT = reverse("invitations:accept")
GOOD_PASSWORD = "une longue phrase de passe"


def invite(world, role=Membership.Role.MEMBER, email="lou.neuf@relais.example") -> str:
    """Send an invitation through the service; returns the link's token (from the email)."""
    invitation = Invitation(
        structure=world.structure, first_name="Lou", last_name="Neuf", email=email, role=role
    )
    services.send(invitation, world.admin, lambda path: f"https://coffre.example{path}")
    return token_in(mail.outbox[-1].body)


def token_in(body: str) -> str:
    match = re.search(r"https://[^/\s]+/invitation/([A-Za-z0-9_-]+)/", body)
    assert match, body
    return match.group(1)


def accept_form(username="lou.neuf", password=GOOD_PASSWORD, again=None):
    return {"username": username, "password1": password, "password2": again or password}


@pytest.mark.django_db
class TestLink:
    def test_the_email_has_a_one_time_link_and_only_its_hash_is_stored(self, world):
        token = invite(world)
        message = mail.outbox[-1]
        assert message.to == ["lou.neuf@relais.example"]
        assert world.structure.name in message.subject
        assert world.admin.display_name in message.body
        invitation = Invitation.objects.get()
        assert len(token) >= 40
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(Invitation.objects.values().get())
        assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=7)
        entry = JournalEntry.objects.get(action=JournalEntry.Action.INVITATION_SENT)
        assert entry.beneficiary is None and entry.actor == world.admin
        assert entry.structure == world.structure and entry.details["invitee"] == "Lou Neuf"

    def test_opening_it_hides_the_token_and_asks_for_a_username_and_password(self, client, world):
        token = invite(world)
        response = client.get(reverse("invitations:open", args=[token]))
        assert response["Location"] == ACCEPT
        page = client.get(ACCEPT).content.decode()
        assert "Lou" in page and world.structure.name in page
        assert token not in page

    def test_accepting_creates_the_account_and_leads_to_the_second_factor(self, client, world):
        token = invite(world, role=Membership.Role.ADMIN)
        client.get(reverse("invitations:open", args=[token]))
        response = client.post(ACCEPT, accept_form())
        assert response["Location"] == reverse("accounts:otp_setup")
        user = User.objects.get(username="lou.neuf")
        assert user.kind == User.Kind.PROFESSIONAL and user.check_password(GOOD_PASSWORD)
        assert (user.first_name, user.last_name, user.email) == (
            "Lou",
            "Neuf",
            "lou.neuf@relais.example",
        )
        membership = Membership.objects.get(user=user)
        assert membership.structure == world.structure and membership.is_admin
        invitation = Invitation.objects.get()
        assert invitation.accepted_by == user and invitation.accepted_at
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.INVITATION_ACCEPTED, actor=user, structure=world.structure
        ).exists()
        # Logged in, but nothing opens before the second factor.
        team = reverse("structures:team", args=[world.structure.code])
        assert client.get(team)["Location"].startswith(reverse("accounts:otp_setup"))
        assert client.get(reverse("accounts:otp_setup")).status_code == 200

    def test_the_link_works_once(self, client, world):
        token = invite(world)
        client.get(reverse("invitations:open", args=[token]))
        client.post(ACCEPT, accept_form())
        other = Client()
        assert other.get(reverse("invitations:open", args=[token])).status_code == 410
        assert other.get(ACCEPT).status_code == 404  # no token in this session
        assert User.objects.filter(kind=User.Kind.PROFESSIONAL, email__contains="neuf").count() == 1

    def test_two_tabs_submitting_at_once_make_one_account(self, world):
        invite(world)
        invitation = Invitation.objects.get()
        services.accept(invitation, "lou.neuf", GOOD_PASSWORD)
        with pytest.raises(services.InvitationUnavailable):
            services.accept(invitation, "lou.neuf2", GOOD_PASSWORD)
        assert not User.objects.filter(username="lou.neuf2").exists()

    def test_the_link_expires_after_seven_days(self, client, world):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = invite(world)
            clock.shift(datetime.timedelta(days=6, hours=23))
            assert client.get(reverse("invitations:open", args=[token])).status_code == 302
            clock.shift(datetime.timedelta(hours=2))
            assert client.get(ACCEPT).status_code == 410
            assert client.post(ACCEPT, accept_form()).status_code == 410
            response = client.get(reverse("invitations:open", args=[token]))
            assert response.status_code == 410
            assert "ne fonctionne plus" in response.content.decode()
        assert not User.objects.filter(username="lou.neuf").exists()

    def test_an_unknown_link_gets_404(self, client, world):
        assert client.get(reverse("invitations:open", args=["nope" * 11])).status_code == 404
        assert client.get(reverse("invitations:open", args=["x" * 200])).status_code == 404

    def test_sending_again_replaces_the_link(self, client, world):
        old = invite(world)
        invitation = Invitation.objects.get()
        services.send(invitation, world.admin, lambda path: f"https://coffre.example{path}")
        new = token_in(mail.outbox[-1].body)
        assert new != old
        assert client.get(reverse("invitations:open", args=[old])).status_code == 404
        assert client.get(reverse("invitations:open", args=[new])).status_code == 302

    def test_a_cancelled_link_stops_working(self, client, world):
        token = invite(world)
        services.cancel(Invitation.objects.get(), world.admin)
        assert client.get(reverse("invitations:open", args=[token])).status_code == 410

    def test_someone_logged_in_is_asked_to_log_out_first(self, client, world):
        token = invite(world)
        force_login_verified(client, world.owner)
        response = client.get(reverse("invitations:open", args=[token]))
        assert response.status_code == 200
        assert reverse("accounts:logout") in response.content.decode()
        assert client.get(ACCEPT).status_code == 200
        assert client.post(ACCEPT, accept_form()).status_code == 200
        assert not User.objects.filter(username="lou.neuf").exists()

    def test_wrong_methods_get_405(self, client, world):
        token = invite(world)
        assert client.post(reverse("invitations:open", args=[token])).status_code == 405
        assert client.put(ACCEPT).status_code == 405


@pytest.mark.django_db
class TestChoosingCredentials:
    @pytest.mark.parametrize(
        ("form", "message"),
        [
            (accept_form(password="court"), "trop court"),
            (accept_form(password="lou.neuf.lou"), "trop semblable"),
            (accept_form(password="motdepasse"), "trop courant"),
            (accept_form(again="une autre phrase de passe"), "différents"),
            (accept_form(username="avec espace"), "Saisissez un nom d’utilisateur valide"),
        ],
    )
    def test_bad_choices_are_explained_and_create_nothing(self, client, world, form, message):
        client.get(reverse("invitations:open", args=[invite(world)]))
        response = client.post(ACCEPT, form)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not User.objects.filter(email="lou.neuf@relais.example").exists()
        assert Invitation.objects.get().is_pending

    def test_a_taken_username_is_refused_whatever_its_case(self, client, world):
        client.get(reverse("invitations:open", args=[invite(world)]))
        response = client.post(ACCEPT, accept_form(username=world.owner.username.upper()))
        assert "déjà pris" in response.content.decode()


@pytest.mark.django_db
class TestStaffInvite:
    def test_staff_invite_a_structure_admin_from_the_admin(self, client, world):
        force_login_verified(client, world.staff)
        add = reverse("admin:invitations_invitation_add")
        assert 'value="admin" selected' in client.get(add).content.decode()
        response = client.post(
            add,
            {
                "structure": world.other_structure.pk,
                "first_name": "Sacha",
                "last_name": "Directrice",
                "email": "direction@relais-b.example",
                "role": "admin",
            },
        )
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert invitation.structure == world.other_structure and invitation.role == "admin"
        assert invitation.invited_by == world.staff and invitation.is_pending
        assert mail.outbox[-1].to == ["direction@relais-b.example"]
        token = token_in(mail.outbox[-1].body.replace("http://testserver", "https://x"))
        assert invitation.token_hash == services.token_hash(token)
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.INVITATION_SENT, actor=world.staff
        ).exists()

    def test_staff_cancel_from_the_admin(self, client, world):
        invite(world)
        force_login_verified(client, world.staff)
        client.post(
            reverse("admin:invitations_invitation_changelist"),
            {"action": "cancel", "_selected_action": [Invitation.objects.get().pk]},
        )
        assert not Invitation.objects.get().is_pending

    def test_professionals_cannot(self, client, world):
        force_login_verified(client, world.admin)
        response = client.get(reverse("admin:invitations_invitation_add"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_email_settings_come_from_the_environment(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import json; from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND,"
        " s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS,"
        " s.DEFAULT_FROM_EMAIL]))"
    )

    def settings_with(**env: str) -> list:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coffre.settings",
            "COFFRE_VAR_DIR": str(tmp_path),
            **env,
        }
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {probe}"],
            env={k: v for k, v in environment.items() if k != "EMAIL_URL" or "EMAIL_URL" in env},
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    assert settings_with()[0] == "django.core.mail.backends.console.EmailBackend"
    smtp = settings_with(
        EMAIL_URL="submission://coffre%40relais.example:s3cret@smtp.example.fr",
        DEFAULT_FROM_EMAIL="Coffre <coffre@relais.example>",
    )
    assert smtp == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.fr",
        587,
        "coffre@relais.example",
        "s3cret",
        True,
        "Coffre <coffre@relais.example>",
    ]
    custom = settings_with(EMAIL_BACKEND="anymail.backends.brevo.EmailBackend")
    assert custom[0] == "anymail.backends.brevo.EmailBackend"
