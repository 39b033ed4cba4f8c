"""The team page: invite by email, add an existing professional, remove, reset a colleague's
second factor. Every view: works / outsider 404 / member 403 / wrong method 405."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from invitations.models import Invitation
from journal.models import JournalEntry
from structures.models import Membership
from tests.auth import force_login_verified, totp_device
from tests.factories import MembershipFactory, make_document
from vault.models import Visibility

OUTSIDERS = ["other_professional", "former_member", "owner", "staff"]


def team_url(world):
    return reverse("structures:team", args=[world.structure.code])


def invite_url(world):
    return reverse("structures:team_invite", args=[world.structure.code])


def invite_data(**overrides):
    data = {
        "invite-first_name": "Lou",
        "invite-last_name": "Neuf",
        "invite-email": "lou.neuf@relais.example",
        "invite-role": "member",
    }
    data.update(overrides)
    return data


def member_url(world, name, user):
    return reverse(f"structures:team_{name}", args=[world.structure.code, user.code])


def invitation_url(world, name, invitation):
    return reverse(
        f"structures:team_invitation_{name}", args=[world.structure.code, invitation.code]
    )


def pending_invitation(world, client):
    force_login_verified(client, world.admin)
    client.post(invite_url(world), invite_data())
    return Invitation.objects.get()


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no SMTP server")


@pytest.mark.django_db
class TestTeamPage:
    def test_an_admin_sees_the_team_and_both_ways_to_add_someone(self, client, world):
        force_login_verified(client, world.admin)
        page = client.get(team_url(world)).content.decode()
        assert world.professional.username in page
        assert 'name="invite-email"' in page and 'name="existing-username"' in page
        assert 'type="password"' not in page  # nobody types a colleague's password any more

    def test_a_member_who_is_not_admin_gets_403(self, client, world):
        force_login_verified(client, world.professional)
        assert client.get(team_url(world)).status_code == 403

    @pytest.mark.parametrize("actor", OUTSIDERS)
    def test_outsiders_get_404(self, client, world, actor):
        force_login_verified(client, getattr(world, actor))
        assert client.get(team_url(world)).status_code == 404

    def test_wrong_method_gets_405(self, client, world):
        force_login_verified(client, world.admin)
        assert client.put(team_url(world)).status_code == 405


@pytest.mark.django_db
class TestInvite:
    def test_it_sends_an_invitation_by_email(self, client, world):
        force_login_verified(client, world.admin)
        response = client.post(invite_url(world), invite_data(**{"invite-role": "admin"}))
        assert response["Location"] == team_url(world)
        invitation = Invitation.objects.get()
        assert (invitation.structure, invitation.role) == (world.structure, "admin")
        assert invitation.invited_by == world.admin and invitation.is_pending
        assert mail.outbox[-1].to == ["lou.neuf@relais.example"]
        assert "/invitation/" in mail.outbox[-1].body
        page = client.get(team_url(world)).content.decode()
        assert "lou.neuf@relais.example" in page  # in the waiting list
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.INVITATION_SENT, actor=world.admin
        ).exists()

    def test_bad_input_is_explained_and_sends_nothing(self, client, world):
        force_login_verified(client, world.admin)
        response = client.post(invite_url(world), invite_data(**{"invite-email": "pas-un-email"}))
        assert response.status_code == 200
        assert "adresse de courriel valide" in response.content.decode()
        assert not Invitation.objects.exists() and not mail.outbox

    def test_an_email_failure_is_said_and_leaves_no_valid_link(self, client, world, settings):
        settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
        force_login_verified(client, world.admin)
        response = client.post(invite_url(world), invite_data(), follow=True)
        assert "n’a pas pu être envoyé" in response.content.decode()
        assert not Invitation.objects.pending().exists()
        assert not JournalEntry.objects.filter(action=JournalEntry.Action.INVITATION_SENT).exists()

    def test_a_member_gets_403_and_outsiders_404(self, client, world):
        force_login_verified(client, world.professional)
        assert client.post(invite_url(world), invite_data()).status_code == 403
        for actor in OUTSIDERS:
            force_login_verified(client, getattr(world, actor))
            assert client.post(invite_url(world), invite_data()).status_code == 404
        assert not Invitation.objects.exists() and not mail.outbox

    def test_get_gets_405(self, client, world):
        force_login_verified(client, world.admin)
        assert client.get(invite_url(world)).status_code == 405


@pytest.mark.django_db
class TestInvitationActions:
    @pytest.mark.parametrize("action", ["resend", "cancel"])
    def test_member_403_outsiders_404_get_405(self, client, world, action):
        invitation = pending_invitation(world, client)
        url = invitation_url(world, action, invitation)
        assert client.get(url).status_code == 405
        force_login_verified(client, world.professional)
        assert client.post(url).status_code == 403
        for actor in OUTSIDERS:
            force_login_verified(client, getattr(world, actor))
            assert client.post(url).status_code == 404
        assert len(mail.outbox) == 1 and Invitation.objects.get().is_pending

    def test_an_invitation_of_another_structure_is_404(self, client, world):
        other_admin = MembershipFactory(structure=world.other_structure, role="admin").user
        force_login_verified(client, other_admin)
        client.post(
            reverse("structures:team_invite", args=[world.other_structure.code]), invite_data()
        )
        invitation = Invitation.objects.get()
        force_login_verified(client, world.admin)
        for action in ("resend", "cancel"):
            assert client.post(invitation_url(world, action, invitation)).status_code == 404

    def test_send_again_gives_a_new_link(self, client, world):
        invitation = pending_invitation(world, client)
        old_hash = invitation.token_hash
        assert client.post(invitation_url(world, "resend", invitation)).status_code == 302
        invitation.refresh_from_db()
        assert invitation.token_hash != old_hash and invitation.is_pending
        assert len(mail.outbox) == 2

    def test_cancel_ends_the_link(self, client, world):
        invitation = pending_invitation(world, client)
        assert client.post(invitation_url(world, "cancel", invitation)).status_code == 302
        invitation.refresh_from_db()
        assert not invitation.is_pending
        assert JournalEntry.objects.filter(action=JournalEntry.Action.INVITATION_CANCELLED).exists()
        # Already cancelled: nothing more to do there.
        assert client.post(invitation_url(world, "cancel", invitation)).status_code == 404


@pytest.mark.django_db
class TestAddExisting:
    def test_it_adds_an_existing_professional(self, client, world):
        force_login_verified(client, world.admin)
        response = client.post(
            team_url(world),
            {"existing-username": world.other_professional.username, "existing-role": "admin"},
        )
        assert response.status_code == 302
        membership = Membership.objects.get(
            user=world.other_professional, structure=world.structure
        )
        assert membership.role == "admin" and membership.active
        entry = JournalEntry.objects.get(action=JournalEntry.Action.MEMBER_ADDED)
        assert entry.actor == world.admin and entry.structure == world.structure
        assert entry.details["account"] == world.other_professional.username

    @pytest.mark.parametrize("who", ["owner", "staff", "unknown"])
    def test_it_refuses_other_accounts_with_one_same_answer(self, client, world, who):
        force_login_verified(client, world.admin)
        username = "personne.inconnue" if who == "unknown" else getattr(world, who).username
        response = client.post(
            team_url(world), {"existing-username": username, "existing-role": "member"}
        )
        assert response.status_code == 200
        assert "Aucun compte professionnel n’a cet identifiant" in response.content.decode()
        assert not Membership.objects.filter(user__username=username).exists()

    def test_a_member_gets_403(self, client, world):
        force_login_verified(client, world.professional)
        response = client.post(
            team_url(world),
            {"existing-username": world.other_professional.username, "existing-role": "admin"},
        )
        assert response.status_code == 403
        assert not Membership.objects.filter(
            user=world.other_professional, structure=world.structure
        ).exists()


@pytest.mark.django_db
class TestRemove:
    def test_removing_a_member_ends_their_access_at_once(self, client, world):
        document = make_document(world.beneficiary, visibility=Visibility.SHARED)
        force_login_verified(client, world.professional)
        assert client.get(reverse("vault:document", args=[document.code])).status_code == 200
        force_login_verified(client, world.admin)
        url = member_url(world, "remove", world.professional)
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 302
        entry = JournalEntry.objects.get(action=JournalEntry.Action.MEMBER_REMOVED)
        assert (
            entry.actor == world.admin and entry.details["account"] == world.professional.username
        )
        force_login_verified(client, world.professional)
        assert client.get(reverse("vault:document", args=[document.code])).status_code == 404
        assert client.get(reverse("vault:download", args=[document.code])).status_code == 404

    def test_an_admin_cannot_remove_themself(self, client, world):
        force_login_verified(client, world.admin)
        client.post(member_url(world, "remove", world.admin))
        assert Membership.objects.get(user=world.admin).active

    def test_a_member_gets_403_and_outsiders_404(self, client, world):
        url = member_url(world, "remove", world.admin)
        force_login_verified(client, world.professional)
        assert client.post(url).status_code == 403
        for actor in OUTSIDERS:
            force_login_verified(client, getattr(world, actor))
            assert client.post(url).status_code == 404
        assert Membership.objects.get(user=world.admin).active


@pytest.mark.django_db
class TestResetTwoFactor:
    def test_an_admin_resets_a_colleague_who_enrols_again(self, client, world):
        colleague = world.professional
        their_session = Client()
        force_login_verified(their_session, colleague)
        otp.new_backup_codes(colleague)
        force_login_verified(client, world.admin)
        response = client.post(member_url(world, "reset_two_factor", colleague))
        assert response["Location"] == team_url(world)
        assert not TOTPDevice.objects.filter(user=colleague).exists()
        assert otp.backup_codes_left(colleague) == 0
        entry = JournalEntry.objects.get(action=JournalEntry.Action.TWO_FACTOR_RESET)
        assert entry.beneficiary is None and entry.actor == world.admin
        assert entry.details == {"account": colleague.username, "name": colleague.display_name}
        # Their sessions ended; after logging in again they set it up anew.
        home = reverse("structures:home")
        assert their_session.get(home)["Location"].startswith(reverse("accounts:login"))
        colleague.refresh_from_db()
        their_session.force_login(colleague)
        assert their_session.get(home)["Location"].startswith(reverse("accounts:otp_setup"))

    def test_nothing_to_reset_is_said_and_not_journaled(self, client, world):
        force_login_verified(client, world.admin)
        response = client.post(
            member_url(world, "reset_two_factor", world.professional), follow=True
        )
        assert "pas encore activé" in response.content.decode()
        assert not JournalEntry.objects.filter(action=JournalEntry.Action.TWO_FACTOR_RESET).exists()

    def test_not_their_own(self, client, world):
        force_login_verified(client, world.admin)
        client.post(member_url(world, "reset_two_factor", world.admin))
        assert TOTPDevice.objects.filter(user=world.admin).exists()

    def test_never_a_staff_account_even_in_the_team(self, client, world):
        MembershipFactory(user=world.staff, structure=world.structure)
        totp_device(world.staff)
        force_login_verified(client, world.admin)
        assert client.post(member_url(world, "reset_two_factor", world.staff)).status_code == 403
        assert TOTPDevice.objects.filter(user=world.staff).exists()

    def test_former_members_and_other_structures_are_404(self, client, world):
        totp_device(world.former_member)
        totp_device(world.other_professional)
        force_login_verified(client, world.admin)
        for user in (world.former_member, world.other_professional):
            assert client.post(member_url(world, "reset_two_factor", user)).status_code == 404
            assert TOTPDevice.objects.filter(user=user).exists()

    def test_a_member_gets_403_outsiders_404_get_405(self, client, world):
        totp_device(world.admin)
        url = member_url(world, "reset_two_factor", world.admin)
        force_login_verified(client, world.professional)
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 403
        for actor in OUTSIDERS:
            force_login_verified(client, getattr(world, actor))
            assert client.post(url).status_code == 404
        assert TOTPDevice.objects.filter(user=world.admin).exists()
