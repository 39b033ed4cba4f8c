"""Sessions: a new id at login, idle and absolute timeouts, "log out everywhere", and choosing
one's own password when someone else chose it."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import STARTED_KEY, end_all_sessions
from journal.models import JournalEntry
from tests.auth import force_login_verified, totp_code, totp_device
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
PASSWORD_PAGE = reverse("accounts:password_change_required")


def logged_out(client: Client, url: str) -> bool:
    response = client.get(url)
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
class TestLogin:
    def test_logging_in_gives_a_new_session_id(self, client, world):
        client.get(LOGIN)  # an anonymous session first (e.g. after a language choice)
        session = client.session
        session["anything"] = "before login"
        session.save()
        before = client.cookies["sessionid"].value
        response = client.post(LOGIN, {"username": world.owner.username, "password": PASSWORD})
        assert response.status_code == 302
        after = client.cookies["sessionid"].value
        assert after != before
        assert client.session[SESSION_KEY] == str(world.owner.pk)
        # The old id does not log anyone in.
        stale = Client()
        stale.cookies["sessionid"] = before
        assert logged_out(stale, reverse("vault:home"))

    def test_a_professional_logs_in_then_passes_the_second_factor(self, client, world):
        device = totp_device(world.professional)
        response = client.post(
            LOGIN, {"username": world.professional.username, "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0].startswith(reverse("accounts:otp_verify"))
        response = client.post(reverse("accounts:otp_verify"), {"code": totp_code(device)})
        assert client.get(reverse("structures:home")).status_code == 302  # its structure
        assert (
            client.get(reverse("structures:structure", args=[world.structure.code])).status_code
            == 200
        )


@pytest.mark.django_db
class TestTimeouts:
    def test_a_professional_is_logged_out_after_30_idle_minutes(self, client, world):
        url = reverse("structures:structure", args=[world.structure.code])
        with time_machine.travel(timezone.now(), tick=False) as clock:
            force_login_verified(client, world.professional)
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get(url).status_code == 200  # activity: the clock starts again
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get(url).status_code == 200
            clock.shift(datetime.timedelta(minutes=31))
            assert logged_out(client, url)
        assert JournalEntry.objects.filter(
            action=JournalEntry.Action.LOGGED_OUT, actor=world.professional
        ).exists()

    def test_a_beneficiary_has_two_hours(self, client, world):
        url = reverse("vault:home")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            force_login_verified(client, world.owner)
            clock.shift(datetime.timedelta(minutes=110))
            assert client.get(url).status_code == 200
            clock.shift(datetime.timedelta(minutes=121))
            assert logged_out(client, url)
            response = client.get(LOGIN)
            assert "sans activité" in response.content.decode()

    def test_twelve_hours_at_most_whatever_the_activity(self, client, world):
        url = reverse("vault:home")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            force_login_verified(client, world.owner)
            for _hour in range(12):  # 11 h 48 min of activity
                clock.shift(datetime.timedelta(minutes=59))
                assert client.get(url).status_code == 200
            clock.shift(datetime.timedelta(minutes=15))
            assert logged_out(client, url)

    def test_settings_choose_the_limits(self, client, world, settings):
        settings.COFFRE_SESSION_IDLE_SECONDS_BENEFICIARY = 60
        url = reverse("vault:home")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            force_login_verified(client, world.owner)
            clock.shift(datetime.timedelta(seconds=61))
            assert logged_out(client, url)

    def test_a_session_without_a_start_time_is_ended(self, client, world):
        force_login_verified(client, world.owner)
        session = client.session
        del session[STARTED_KEY]
        session.save()
        assert logged_out(client, reverse("vault:home"))


@pytest.mark.django_db
class TestLogOutEverywhere:
    URL = reverse("accounts:logout_everywhere")

    @pytest.mark.parametrize("actor", ["owner", "professional"])
    def test_it_ends_every_session_of_the_person_only(self, client, world, actor):
        user = getattr(world, actor)
        phone, someone_else = Client(), Client()
        force_login_verified(phone, user)
        force_login_verified(client, user)
        force_login_verified(someone_else, world.admin)
        home = reverse("accounts:security")
        assert phone.get(home).status_code == 200
        response = client.post(self.URL)
        assert response["Location"] == LOGIN
        assert logged_out(client, home) and logged_out(phone, home)
        assert someone_else.get(home).status_code == 200
        entry = JournalEntry.objects.get(action=JournalEntry.Action.LOGGED_OUT_EVERYWHERE)
        assert entry.actor == user
        # A beneficiary sees it in their own journal; a professional's goes to the platform's.
        expected = world.beneficiary if actor == "owner" else None
        assert entry.beneficiary == expected

    def test_it_is_a_post_and_needs_a_login(self, client, world):
        assert client.post(self.URL)["Location"].startswith(LOGIN)
        force_login_verified(client, world.owner)
        assert client.get(self.URL).status_code == 405

    def test_the_security_page_offers_it_to_everyone(self, client, world):
        for user in (world.owner, world.professional, world.staff):
            force_login_verified(client, user)
            page = client.get(reverse("accounts:security")).content.decode()
            assert self.URL in page

    def test_end_all_sessions_can_keep_the_asking_session(self, client, world):
        phone = Client()
        force_login_verified(phone, world.owner)
        force_login_verified(client, world.owner)
        request = HttpRequest()
        request.session = client.session
        request.user = world.owner
        end_all_sessions(world.owner, keep=request)
        request.session.save()  # a new id for the kept session, as after any login
        client.cookies["sessionid"] = request.session.session_key
        assert client.get(reverse("vault:home")).status_code == 200
        assert logged_out(phone, reverse("vault:home"))


@pytest.mark.django_db
class TestPasswordChangeRequired:
    NEW = "le soleil se leve sur la colline"

    def test_a_beneficiary_must_choose_first_and_keeps_the_session(self, client, world):
        owner = world.owner
        owner.must_change_password = True
        owner.save(update_fields=["must_change_password"])
        phone = Client()
        force_login_verified(phone, owner)
        force_login_verified(client, owner)
        for url in (reverse("vault:home"), reverse("vault:journal"), reverse("pages:terms")):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].split("?")[0] == PASSWORD_PAGE
        assert client.get(PASSWORD_PAGE).status_code == 200
        response = client.post(
            PASSWORD_PAGE, {"new_password1": self.NEW, "new_password2": self.NEW}
        )
        assert response.status_code == 302
        owner.refresh_from_db()
        assert not owner.must_change_password and owner.check_password(self.NEW)
        assert client.get(reverse("vault:home")).status_code == 200  # same session
        assert logged_out(phone, reverse("vault:home"))  # the others end
        entry = JournalEntry.objects.get(action=JournalEntry.Action.PASSWORD_CHANGED)
        assert entry.beneficiary == world.beneficiary and entry.actor == owner
        assert client.get(PASSWORD_PAGE)["Location"] == reverse("home")  # nothing left to do

    @pytest.mark.parametrize(
        ("first", "second", "message"),
        [
            ("court", "court", "trop court"),
            ("le soleil se leve", "le soleil se couche", "ne correspondent pas"),
            ("motdepasse", "motdepasse", "trop courant"),
        ],
    )
    def test_bad_passwords_are_explained(self, client, world, first, second, message):
        world.owner.must_change_password = True
        world.owner.save(update_fields=["must_change_password"])
        force_login_verified(client, world.owner)
        response = client.post(PASSWORD_PAGE, {"new_password1": first, "new_password2": second})
        assert response.status_code == 200
        assert message in response.content.decode()
        world.owner.refresh_from_db()
        assert world.owner.must_change_password and world.owner.check_password(PASSWORD)

    def test_a_professional_passes_the_second_factor_first(self, client, world):
        pro = world.professional
        pro.must_change_password = True
        pro.save(update_fields=["must_change_password"])
        device = totp_device(pro)
        client.force_login(pro)
        response = client.get(PASSWORD_PAGE)
        assert response["Location"].split("?")[0] == reverse("accounts:otp_verify")
        client.post(reverse("accounts:otp_verify"), {"code": totp_code(device)})
        response = client.get(reverse("structures:home"))
        assert response["Location"].split("?")[0] == PASSWORD_PAGE
        client.post(PASSWORD_PAGE, {"new_password1": self.NEW, "new_password2": self.NEW})
        assert client.get(reverse("structures:home")).status_code == 302
        assert client.get(reverse("accounts:security")).status_code == 200  # still verified
        entry = JournalEntry.objects.get(action=JournalEntry.Action.PASSWORD_CHANGED)
        assert entry.beneficiary is None and entry.actor == pro

    def test_wrong_method_gets_405(self, client, world):
        force_login_verified(client, world.owner)
        assert client.put(PASSWORD_PAGE).status_code == 405


@pytest.mark.django_db
def test_expired_sessions_are_cleared_daily(client, world):
    from django.contrib.sessions.models import Session

    from accounts.tasks import clear_expired_sessions

    force_login_verified(client, world.owner)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=13)):
        force_login_verified(Client(), world.professional)  # a fresh session stays
        assert clear_expired_sessions.call() == 1
    assert Session.objects.count() == 1
