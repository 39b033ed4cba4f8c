"""The person's own recovery page: recovery code (with the password again), phone number."""

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from journal.models import JournalEntry
from recovery.models import RecoveryCode, SmsCode
from tests.auth import force_login_verified
from tests.factories import PASSWORD, BeneficiaryFactory

from .conftest import PHONE, digits_in

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("recovery:account")
PRINT = reverse("recovery:print_code")
PHONE_URL = reverse("recovery:phone")
PHONE_CHECK = reverse("recovery:phone_check")
NEW_NUMBER = "07 81 23 45 67"
NEW_E164 = "+33781234567"


@pytest.fixture
def me(client, person):
    client.force_login(person.user)
    return person


class TestAccount:
    def test_it_works_and_is_linked_from_home(self, client, me):
        assert ACCOUNT in client.get(reverse("vault:home")).content.decode()
        page = client.get(ACCOUNT).content.decode()
        assert "•" not in page and PHONE in page  # the person's own number, in full
        assert PRINT in page and PHONE_URL in page

    @pytest.mark.parametrize("who", ["professional", "staff", "admin"])
    def test_outsiders_get_404(self, client, world, who):
        force_login_verified(client, getattr(world, who))
        for url in (ACCOUNT, PRINT, PHONE_URL, PHONE_CHECK):
            assert client.get(url).status_code == 404, url

    def test_anonymous_goes_to_login(self, client):
        for url in (ACCOUNT, PRINT, PHONE_URL, PHONE_CHECK):
            assert client.get(url)["Location"].startswith(reverse("accounts:login"))

    def test_wrong_method(self, client, me):
        assert client.post(ACCOUNT).status_code == 405
        for url in (PRINT, PHONE_URL, PHONE_CHECK):
            assert client.put(url).status_code == 405


class TestPrintCode:
    def test_it_asks_the_password_then_shows_a_new_code_once(self, client, me):
        assert 'autocomplete="current-password"' in client.get(PRINT).content.decode()
        response = client.post(PRINT, {"password": PASSWORD})
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        page = response.content.decode()
        code = page.split('data-testid="recovery-code">')[1].split("<")[0]
        assert len(code) == 19
        stored = RecoveryCode.objects.get(user=me.user)
        assert check_password(code.replace("-", ""), stored.code_hash)
        assert code not in stored.code_hash
        assert JournalEntry.objects.filter(
            beneficiary=me, action=JournalEntry.Action.RECOVERY_CODE_ISSUED
        ).exists()
        # The page lists it; it is never shown again.
        assert code not in client.get(ACCOUNT).content.decode()

    def test_a_new_code_replaces_the_old_one(self, client, me):
        first = client.post(PRINT, {"password": PASSWORD}).content.decode()
        second = client.post(PRINT, {"password": PASSWORD}).content.decode()
        old, new = (
            page.split('data-testid="recovery-code">')[1].split("<")[0] for page in (first, second)
        )
        assert old != new
        stored = RecoveryCode.objects.get(user=me.user)
        assert check_password(new.replace("-", ""), stored.code_hash)
        assert not check_password(old.replace("-", ""), stored.code_hash)
        assert "ancien code de secours ne marchera plus" in client.get(PRINT).content.decode()

    def test_a_wrong_password_issues_nothing(self, client, me):
        page = client.post(PRINT, {"password": "not mine"}).content.decode()
        assert "Ce n’est pas votre mot de passe" in page
        assert not RecoveryCode.objects.exists()


class TestPhone:
    def ask(self, client, number=NEW_NUMBER, password=PASSWORD, **extra):
        return client.post(PHONE_URL, {"phone": number, "password": password}, **extra)

    def test_a_new_number_is_confirmed_by_a_code_sent_to_it(self, client, me, sms_outbox):
        me.user.preferred_language = "en"
        me.user.save()
        response = self.ask(client)
        assert response["Location"] == PHONE_CHECK
        [code_message] = sms_outbox
        assert code_message.to == NEW_E164 and "confirm this phone number" in code_message.body
        assert "67" in client.get(PHONE_CHECK).content.decode()
        response = client.post(PHONE_CHECK, {"code": digits_in(code_message)})
        assert response["Location"] == reverse("recovery:account")
        me.user.refresh_from_db()
        me.refresh_from_db()
        assert me.user.phone == NEW_E164 == me.phone and me.user.phone_verified_at
        entry = JournalEntry.objects.get(beneficiary=me, action=JournalEntry.Action.PHONE_VERIFIED)
        assert entry.details == {"phone": "•• •• •• 67"}
        # The old number hears about the change, in the person's language.
        assert sms_outbox[-1].to == PHONE and "phone number of your account was changed" in (
            sms_outbox[-1].body
        )

    def test_a_first_number(self, client, sms_outbox):
        person = BeneficiaryFactory()
        client.force_login(person.user)
        self.ask(client)
        client.post(PHONE_CHECK, {"code": digits_in(sms_outbox[0])})
        person.user.refresh_from_db()
        assert person.user.phone == NEW_E164 and person.user.phone_verified_at
        assert len(sms_outbox) == 1  # no old number to tell

    def test_the_password_is_needed(self, client, me, sms_outbox):
        page = self.ask(client, password="nope").content.decode()
        assert "Ce n’est pas votre mot de passe" in page and sms_outbox == []

    @pytest.mark.parametrize("number", ["12", "01 23 45 67 89", "hello"])
    def test_only_mobile_numbers(self, client, me, sms_outbox, number):
        assert self.ask(client, number=number).status_code == 200
        assert sms_outbox == []

    def test_a_wrong_code_changes_nothing(self, client, me, sms_outbox):
        self.ask(client)
        right = digits_in(sms_outbox[0])
        wrong = "000000" if right != "000000" else "111111"
        for _ in range(4):
            assert (
                "Ce n’est pas le code" in client.post(PHONE_CHECK, {"code": wrong}).content.decode()
            )
        assert client.post(PHONE_CHECK, {"code": wrong})["Location"] == PHONE_URL
        assert client.post(PHONE_CHECK, {"code": right})["Location"] == PHONE_URL
        me.user.refresh_from_db()
        assert me.user.phone == PHONE

    def test_a_code_of_someone_else_is_useless(self, client, me, sms_outbox):
        self.ask(client)
        other = BeneficiaryFactory().user
        thief = Client()
        thief.force_login(other)
        session = thief.session
        session["recovery:phone_sms"] = str(SmsCode.objects.get().code)
        session.save()
        assert thief.post(PHONE_CHECK, {"code": digits_in(sms_outbox[0])})["Location"] == PHONE_URL

    def test_it_is_limited_per_number(self, client, me, sms_outbox):
        for _ in range(3):
            assert self.ask(client)["Location"] == PHONE_CHECK
        assert "Trop de codes" in self.ask(client).content.decode()
        assert len(sms_outbox) == 3

    def test_a_provider_failure_is_told(self, client, me, settings):
        settings.SMS_BACKEND = "notify.backends.brevo.BrevoBackend"
        settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
        settings.SMS_API_KEY = "key"
        settings.SMS_HTTP_TIMEOUT = 1
        assert "n’a pas pu être envoyé" in self.ask(client).content.decode()

    def test_no_code_asked(self, client, me):
        assert client.get(PHONE_CHECK)["Location"] == PHONE_URL
