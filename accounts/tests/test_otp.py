"""Two-step verification: the gate on every URL family, enrolment, verification, backup codes,
reset by staff, and the Django admin behind the second factor."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.models import User
from journal.models import JournalEntry
from tests.auth import force_login_verified, totp_code, totp_device
from tests.factories import PASSWORD, make_document
from vault.models import Visibility

SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")


def gated_urls(world, document):
    """One URL of each family a signed-in professional or staff member could open."""
    structure, beneficiary = world.structure.code, world.beneficiary.code
    return [
        reverse("home"),
        reverse("structures:home"),
        reverse("structures:structure", args=[structure]),
        reverse("structures:beneficiary_create", args=[structure]),
        reverse("structures:team", args=[structure]),
        reverse("structures:beneficiary", args=[beneficiary]),
        reverse("accounts:card_for", args=[beneficiary]),
        reverse("vault:home"),
        reverse("vault:document", args=[document.code]),
        reverse("vault:download", args=[document.code]),
        reverse("vault:journal"),
        reverse("privacy:export"),
        reverse("pages:terms"),
        reverse("accounts:security"),
        reverse("accounts:otp_backup_codes"),
        reverse("accounts:login"),
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("invitations:accept"),
        reverse("recovery:start"),
        reverse("recovery:account"),
        reverse("recovery:assisted", args=[beneficiary]),
    ]


@pytest.fixture
def document(world):
    return make_document(world.beneficiary, visibility=Visibility.SHARED, title="Shared paper")


def assert_sent_to(response, step):
    assert response.status_code == 302, response
    assert response["Location"].split("?")[0] == step


@pytest.mark.django_db
class TestGate:
    @pytest.mark.parametrize("actor", ["professional", "admin", "staff"])
    def test_every_url_family_sends_to_enrolment_first(self, client, world, document, actor):
        client.force_login(getattr(world, actor))  # password only: no second factor yet
        for url in gated_urls(world, document):
            assert_sent_to(client.get(url), SETUP)

    @pytest.mark.parametrize("actor", ["professional", "staff"])
    def test_with_a_device_it_sends_to_verification(self, client, world, document, actor):
        user = getattr(world, actor)
        totp_device(user)
        client.force_login(user)
        for url in gated_urls(world, document):
            assert_sent_to(client.get(url), VERIFY)
        assert client.get(SETUP)["Location"].startswith(VERIFY)

    def test_the_page_asked_for_comes_back_after_the_code(self, client, world):
        device = totp_device(world.professional)
        client.force_login(world.professional)
        wanted = reverse("structures:structure", args=[world.structure.code])
        response = client.get(wanted)
        assert response["Location"] == f"{VERIFY}?next={wanted.replace('/', '%2F')}"
        response = client.post(VERIFY, {"code": totp_code(device), "next": wanted})
        assert response["Location"] == wanted
        assert client.get(wanted).status_code == 200

    def test_mutations_are_refused_before_the_second_factor(self, client, world):
        client.force_login(world.admin)
        url = reverse(
            "structures:team_remove", args=[world.structure.code, world.professional.code]
        )
        assert_sent_to(client.post(url), SETUP)
        assert world.professional.memberships.get().active

    def test_htmx_requests_are_told_to_load_the_whole_step(self, client, world):
        client.force_login(world.professional)
        url = reverse("structures:structure", args=[world.structure.code])
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 204
        assert response["HX-Redirect"] == SETUP

    def test_logout_and_language_stay_open(self, client, world):
        client.force_login(world.professional)
        assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
        response = client.post(reverse("accounts:logout"))
        assert response["Location"] == reverse("accounts:login")
        assert client.get(reverse("home"))["Location"] == reverse("accounts:login")

    def test_beneficiaries_have_no_second_factor(self, client, world):
        force_login_verified(client, world.owner)
        assert not otp.needs_otp(world.owner)
        assert client.get(reverse("vault:home")).status_code == 200
        assert client.get(SETUP).status_code == 404
        assert client.get(VERIFY).status_code == 404
        assert client.get(reverse("accounts:otp_backup_codes")).status_code == 404

    def test_an_admin_site_account_of_any_kind_needs_it(self, client, world):
        superuser = User.objects.create_superuser("root", password=PASSWORD)
        assert superuser.kind == User.Kind.BENEFICIARY  # createsuperuser's default kind
        client.force_login(superuser)
        assert_sent_to(client.get(reverse("admin:index")), SETUP)

    def test_anonymous_visitors_are_not_gated(self, client, world):
        assert client.get(reverse("accounts:login")).status_code == 200
        assert client.get(reverse("pages:terms")).status_code == 200
        assert client.get(SETUP)["Location"].startswith(reverse("accounts:login"))
        assert not otp.is_verified(AnonymousUser())

    def test_once_verified_the_pages_open(self, client, world, document):
        force_login_verified(client, world.admin)
        for url in (
            reverse("structures:structure", args=[world.structure.code]),
            reverse("structures:team", args=[world.structure.code]),
            reverse("structures:beneficiary", args=[world.beneficiary.code]),
            reverse("vault:document", args=[document.code]),
            reverse("accounts:security"),
        ):
            assert client.get(url).status_code == 200, url

    def test_staff_open_the_admin_once_verified(self, client, world):
        force_login_verified(client, world.staff)
        assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
class TestEnrolment:
    def test_the_page_shows_a_qr_code_and_the_secret_and_keeps_them_on_reload(self, client, world):
        client.force_login(world.professional)
        page = client.get(SETUP).content.decode()
        device = TOTPDevice.objects.get(user=world.professional, confirmed=False)
        assert '<svg role="img"' in page and "<title>" in page
        assert otp.secret_text(device) in page
        assert "<script" not in page.split("<main", 1)[1]  # no inline script (CSP)
        assert otp.secret_text(device) in client.get(SETUP).content.decode()
        assert TOTPDevice.objects.filter(user=world.professional).count() == 1

    def test_a_wrong_code_confirms_nothing(self, client, world):
        client.force_login(world.professional)
        client.get(SETUP)
        response = client.post(SETUP, {"code": "000000"})
        assert response.status_code == 200
        assert "Ce code ne fonctionne pas" in response.content.decode()
        assert otp.confirmed_device(world.professional) is None
        assert_sent_to(client.get(reverse("home")), SETUP)

    def test_the_first_code_confirms_and_backup_codes_are_shown_once(self, client, world):
        client.force_login(world.professional)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=world.professional)
        response = client.post(SETUP, {"code": totp_code(device), "next": "/pro/"})
        backup_url = reverse("accounts:otp_backup_codes")
        assert response["Location"] == f"{backup_url}?next=%2Fpro%2F"
        device.refresh_from_db()
        assert device.confirmed
        page = client.get(response["Location"]).content.decode()
        codes = re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", page)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert 'href="/pro/"' in page
        # Shown once: the next visit only counts them.
        again = client.get(backup_url).content.decode()
        assert not any(code in again for code in codes)
        assert "10 codes de secours" in again
        # Stored as keyed hashes, never in clear.
        stored = set(StaticToken.objects.values_list("token", flat=True))
        assert not stored & {code.replace(" ", "") for code in codes}
        assert stored == {otp.backup_code_digest(code) for code in codes}
        # The session is verified; the enrolment is journaled on the platform chain.
        assert client.get(reverse("structures:home")).status_code == 302  # to the structure
        assert client.get(reverse("accounts:security")).status_code == 200
        entry = JournalEntry.objects.get(action=JournalEntry.Action.TWO_FACTOR_ENROLLED)
        assert entry.beneficiary is None and entry.actor == world.professional

    def test_new_backup_codes_replace_the_old_ones(self, client, world):
        force_login_verified(client, world.professional)
        old = otp.new_backup_codes(world.professional)
        response = client.post(reverse("accounts:otp_backup_codes"))
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        new = re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", page)
        assert len(new) == 10 and not set(new) & set(old)
        assert otp.backup_codes_left(world.professional) == 10
        assert otp.verify_code(world.professional, old[0]).device is None
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.BACKUP_CODES_RENEWED, actor=world.professional
        ).exists()

    def test_wrong_methods_get_405(self, client, world):
        force_login_verified(client, world.professional)
        for url in (SETUP, VERIFY, reverse("accounts:otp_backup_codes")):
            assert client.put(url).status_code == 405


@pytest.mark.django_db
class TestVerification:
    def test_a_wrong_code_is_journaled_and_then_throttled(self, client, world):
        device = totp_device(world.professional)
        client.force_login(world.professional)
        response = client.post(VERIFY, {"code": "123456"})
        assert "Ce code ne fonctionne pas" in response.content.decode()
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.TWO_FACTOR_FAILED, actor=world.professional
        ).exists()
        # Right away, even the right code waits (1 s, 2 s, 4 s… after each failure).
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert "Trop de codes faux" in response.content.decode()
        assert_sent_to(client.get(reverse("home")), VERIFY)

    def test_a_code_works_once(self, client, world, settings):
        device = totp_device(world.professional)
        code = totp_code(device)
        client.force_login(world.professional)
        assert client.post(VERIFY, {"code": code})["Location"] == reverse("home")
        other = type(client)()
        other.force_login(world.professional)
        response = other.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert_sent_to(other.get(reverse("home")), VERIFY)

    def test_a_backup_code_works_once(self, client, world):
        totp_device(world.professional)
        codes = otp.new_backup_codes(world.professional)
        client.force_login(world.professional)
        assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
        assert client.get(reverse("accounts:security")).status_code == 200
        assert otp.backup_codes_left(world.professional) == 9
        other = type(client)()
        other.force_login(world.professional)
        assert other.post(VERIFY, {"code": codes[0]}).status_code == 200

    def test_next_never_leaves_the_site(self, client, world):
        device = totp_device(world.professional)
        client.force_login(world.professional)
        response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
        assert response["Location"] == reverse("home")

    def test_a_deleted_device_unverifies_the_session(self, client, world):
        force_login_verified(client, world.professional)
        TOTPDevice.objects.filter(user=world.professional).delete()
        assert_sent_to(client.get(reverse("structures:home")), SETUP)


@pytest.mark.django_db
class TestStaffReset:
    def test_staff_reset_from_the_admin_ends_sessions_and_is_journaled(self, client, world):
        pro = type(client)()
        force_login_verified(pro, world.professional)
        otp.new_backup_codes(world.professional)
        force_login_verified(client, world.staff)
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [world.professional.pk]},
        )
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=world.professional).exists()
        assert otp.backup_codes_left(world.professional) == 0
        entry = JournalEntry.objects.get(action=JournalEntry.Action.TWO_FACTOR_RESET)
        assert entry.beneficiary is None and entry.actor == world.staff
        assert entry.details["account"] == world.professional.username
        # Their open session ended; at the next login they enrol again.
        assert pro.get(reverse("structures:home"))["Location"].startswith(reverse("accounts:login"))
        world.professional.refresh_from_db()
        pro.force_login(world.professional)
        assert_sent_to(pro.get(reverse("structures:home")), SETUP)

    def test_nobody_can_read_a_totp_secret_in_the_admin(self, client, world):
        force_login_verified(client, world.staff)
        with pytest.raises(NoReverseMatch):
            reverse("admin:otp_totp_totpdevice_changelist")
        assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
        assert client.get("/admin/otp_static/staticdevice/").status_code == 404

    def test_professionals_cannot_use_the_admin_action(self, client, world):
        totp_device(world.professional)
        force_login_verified(client, world.admin)
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [world.professional.pk]},
        )
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert TOTPDevice.objects.filter(user=world.professional).exists()

    def test_a_user_added_in_the_admin_must_choose_a_password(self, client, world):
        force_login_verified(client, world.staff)
        client.post(
            reverse("admin:accounts_user_add"),
            {
                "username": "nouvelle.pro",
                "password1": "une phrase assez longue",
                "password2": "une phrase assez longue",
                "usable_password": "true",
                "kind": "professional",
                "first_name": "Nina",
                "last_name": "Nouvelle",
            },
        )
        assert User.objects.get(username="nouvelle.pro").must_change_password
