"""Lost password, on one's own: username or phone, then a code by SMS or the recovery code."""

import datetime
import re
import statistics
import time

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.models import User
from journal.chain import verify_chain
from journal.models import JournalEntry
from recovery import services
from recovery.models import RecoveryCode, SmsCode
from tests.factories import PASSWORD, BeneficiaryFactory, MembershipFactory

from .conftest import PHONE, digits_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "the green bike sleeps in the yard"
START = reverse("recovery:start")
PATHS = reverse("recovery:paths")
SMS_SEND = reverse("recovery:sms_send")
SMS_CHECK = reverse("recovery:sms_check")
CODE = reverse("recovery:code")
NEW = reverse("recovery:new_password")


def begin(client, identifier):
    response = client.post(START, {"identifier": identifier})
    assert response.status_code == 302 and response["Location"] == PATHS
    return response


def ask_sms(client, identifier, address="127.0.0.1"):
    begin(client, identifier)
    return client.post(SMS_SEND, REMOTE_ADDR=address)


def logged_in_elsewhere(user):
    other = Client()
    other.force_login(user)
    assert other.get(reverse("vault:home")).status_code == 200
    return other


def assert_logged_out(other):
    response = other.get(reverse("vault:home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


class TestStart:
    def test_it_is_linked_from_the_login_page(self, client):
        page = client.get(reverse("accounts:login")).content.decode()
        assert START in page and "Mot de passe oublié ?" in page

    def test_it_works(self, client):
        page = client.get(START).content.decode()
        assert 'name="identifier"' in page

    def test_it_answers_the_same_whether_the_account_exists_or_not(self, client, person):
        pages = []
        for identifier in (person.user.username, "nobody.here.123", "06 12 34 56 78", "0699999999"):
            fresh = Client()
            begin(fresh, identifier)
            page = fresh.get(PATHS).content.decode().replace(identifier, "<typed>")
            page = re.sub(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', "", page)
            pages.append(page)
        assert all(page == pages[0] for page in pages)

    def test_it_does_the_same_queries_for_known_and_unknown_names(self, client, person):
        counts = []
        for identifier in (person.user.username, "nobody.here.123"):
            fresh = Client()
            with CaptureQueriesContext(connection) as queries:
                begin(fresh, identifier)
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_it_answers_no_sooner_than_the_evening_delay(self, client, person, settings):
        settings.COFFRE_RECOVERY_MIN_SECONDS = 0.2
        for identifier in (person.user.username, "nobody.here.123"):
            began = time.monotonic()
            ask_sms(Client(), identifier)
            assert time.monotonic() - began >= 0.4  # two evened POSTs

    def test_wrong_method(self, client):
        assert client.put(START).status_code == 405

    def test_the_paths_need_a_name_first(self, client):
        assert client.get(PATHS)["Location"] == START
        assert client.post(PATHS).status_code == 405


class TestFindAccount:
    def test_by_username_or_verified_phone_only(self, person):
        assert services.find_account(person.user.username) == person.user
        assert services.find_account(person.user.username.upper()) == person.user
        assert services.find_account("06 12 34 56 78") == person.user
        person.user.phone_verified_at = None
        person.user.save()
        assert services.find_account("06 12 34 56 78") is None

    def test_a_number_shared_by_two_accounts_designates_none(self, person):
        other = BeneficiaryFactory().user
        other.phone, other.phone_verified_at = PHONE, timezone.now()
        other.save()
        assert services.find_account(PHONE) is None
        assert services.find_account(person.user.username) == person.user

    def test_professionals_and_closed_accounts_recover_elsewhere(self, person):
        professional = MembershipFactory().user
        assert services.find_account(professional.username) is None
        person.user.is_active = False
        person.user.save()
        assert services.find_account(person.user.username) is None


class TestSmsSend:
    def test_it_sends_a_code_to_the_verified_phone_in_the_persons_language(
        self, client, person, sms_outbox
    ):
        person.user.preferred_language = "en"
        person.user.save()
        response = ask_sms(client, person.user.username)
        assert response.status_code == 302 and response["Location"] == SMS_CHECK
        [message] = sms_outbox
        assert message.to == PHONE
        assert "your code to choose a new password" in message.body
        digits = digits_in(message)
        row = SmsCode.objects.get()
        assert row.user == person.user and row.purpose == "recovery"
        assert digits not in row.digits_hash and len(row.digits_hash) == 64
        assert row.expires_at - row.created_at == datetime.timedelta(minutes=10)
        assert JournalEntry.objects.filter(
            beneficiary=person, action=JournalEntry.Action.RECOVERY_SMS_SENT
        ).exists()

    def test_french_by_default(self, client, person, sms_outbox):
        ask_sms(client, "06 12 34 56 78")
        assert "Coffre : votre code pour choisir un nouveau mot de passe" in sms_outbox[0].body

    @pytest.mark.parametrize("who", ["unknown", "unverified", "professional"])
    def test_no_sms_but_the_same_answer_and_work_otherwise(self, client, person, sms_outbox, who):
        if who == "unverified":
            person.user.phone_verified_at = None
            person.user.save()
            identifier = person.user.username
        elif who == "professional":
            identifier = MembershipFactory().user.username
        else:
            identifier = "nobody.here.123"
        with CaptureQueriesContext(connection) as unknown_queries:
            response = ask_sms(client, identifier, address="10.0.0.1")
        assert response["Location"] == SMS_CHECK
        assert sms_outbox == []
        assert SmsCode.objects.get().user is None  # a row all the same
        # The same queries as for a real account with a phone (counters are new for both).
        person.user.phone_verified_at = timezone.now()
        person.user.save()
        with CaptureQueriesContext(connection) as known_queries:
            ask_sms(Client(), person.user.username, address="10.0.0.2")
        assert len(sms_outbox) == 1
        # The journal entry goes to the person's chain or the platform chain: its lock is a row
        # lock or (PostgreSQL) an advisory lock, one query each; SQLite needs none for the
        # platform chain. The evened response time covers that one query.
        extra = 0 if connection.vendor == "postgresql" else 1
        assert len(known_queries) == len(unknown_queries) + extra

    def test_it_is_limited_per_number(self, client, person, sms_outbox):
        for _ in range(3):
            ask_sms(Client(), person.user.username)
        response = ask_sms(client, "06 12 34 56 78")  # the same number, another way
        assert response["Location"] == PATHS
        assert "Trop d’essais" in client.get(PATHS).content.decode()
        assert len(sms_outbox) == 3
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
            assert ask_sms(Client(), person.user.username)["Location"] == SMS_CHECK
        assert len(sms_outbox) == 4

    def test_unknown_names_are_limited_the_same_way(self, client, db):
        for _ in range(3):
            assert ask_sms(Client(), "nobody.here.123")["Location"] == SMS_CHECK
        assert ask_sms(client, "nobody.here.123")["Location"] == PATHS

    def test_it_is_limited_per_address(self, client, db):
        for index in range(30):
            begin(client, f"nobody.{index}")
            assert client.post(SMS_SEND, REMOTE_ADDR="10.1.1.1")["Location"] == SMS_CHECK
        begin(client, "nobody.31")
        assert client.post(SMS_SEND, REMOTE_ADDR="10.1.1.1")["Location"] == PATHS
        assert client.post(SMS_SEND, REMOTE_ADDR="10.1.1.2")["Location"] == SMS_CHECK

    def test_a_provider_failure_gives_the_same_answer(self, client, person, settings):
        settings.SMS_BACKEND = "notify.backends.brevo.BrevoBackend"
        settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
        settings.SMS_API_KEY = "key"
        settings.SMS_HTTP_TIMEOUT = 1
        assert ask_sms(client, person.user.username)["Location"] == SMS_CHECK

    def test_wrong_method_and_no_name(self, client):
        assert client.get(SMS_SEND).status_code == 405
        assert client.post(SMS_SEND)["Location"] == START


class TestSmsCheck:
    def test_the_right_code_leads_to_the_new_password(self, client, person, sms_outbox):
        ask_sms(client, person.user.username)
        response = client.post(SMS_CHECK, {"code": digits_in(sms_outbox[0])})
        assert response.status_code == 302 and response["Location"] == NEW
        assert SmsCode.objects.get().used_at is not None

    def test_five_tries_at_most(self, client, person, sms_outbox):
        ask_sms(client, person.user.username)
        right = digits_in(sms_outbox[0])
        wrong = "000000" if right != "000000" else "111111"
        for left in (4, 3, 2, 1):
            page = client.post(SMS_CHECK, {"code": wrong}).content.decode()
            assert f"Il reste {left} essai" in page
        response = client.post(SMS_CHECK, {"code": wrong})
        assert response["Location"] == PATHS
        assert client.post(SMS_CHECK, {"code": right})["Location"] == START  # gone

    def test_the_code_expires_after_ten_minutes(self, client, person, sms_outbox):
        ask_sms(client, person.user.username)
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
            response = client.post(SMS_CHECK, {"code": digits_in(sms_outbox[0])})
        assert response["Location"] == PATHS

    def test_an_unknown_name_never_passes(self, client, db):
        ask_sms(client, "nobody.here.123")
        row = SmsCode.objects.get()
        # Whatever is typed (even the digits that would match the row) nothing opens.
        page = client.post(SMS_CHECK, {"code": "123456"}).content.decode()
        assert "Ce n’est pas le code" in page
        row.refresh_from_db()
        assert row.attempts == 1

    def test_a_code_has_six_digits(self, client, person):
        ask_sms(client, person.user.username)
        assert "6 chiffres" in client.post(SMS_CHECK, {"code": "12"}).content.decode()

    def test_no_code_asked(self, client):
        assert client.get(SMS_CHECK)["Location"] == START
        assert client.put(SMS_CHECK).status_code == 405


def prove_by_sms(client, person, sms_outbox):
    ask_sms(client, person.user.username)
    assert client.post(SMS_CHECK, {"code": digits_in(sms_outbox[-1])})["Location"] == NEW


class TestNewPassword:
    def test_it_resets_ends_sessions_unlocks_journals_and_tells_the_person(
        self, client, person, sms_outbox
    ):
        user = person.user
        elsewhere = logged_in_elsewhere(user)
        for _ in range(throttle.ACCOUNT_LOCK_AFTER):
            throttle.record_failure(user.username, "10.0.0.9")
        assert throttle.refusal(user.username, "10.0.0.8").locked
        prove_by_sms(client, person, sms_outbox)
        assert client.get(NEW).status_code == 200
        response = client.post(NEW, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?u={user.username}"
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD) and not user.must_change_password
        assert_logged_out(elsewhere)
        assert throttle.refusal(user.username, "10.0.0.8") is None
        entry = JournalEntry.objects.filter(
            beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET
        ).get()
        assert entry.actor == user and entry.details == {"path": "sms"}
        assert verify_chain(person) == []
        assert "mot de passe de votre compte a été changé" in sms_outbox[-1].body
        # The new password opens the account; the recovery is over.
        assert (
            client.post(
                reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD}
            ).status_code
            == 302
        )
        assert client.get(NEW)["Location"] == START

    def test_the_password_rules_apply(self, client, person, sms_outbox):
        prove_by_sms(client, person, sms_outbox)
        page = client.post(NEW, {"new_password1": "azerty", "new_password2": "azerty"})
        assert page.status_code == 200 and "errorlist" in page.content.decode()
        person.user.refresh_from_db()
        assert person.user.check_password(PASSWORD)

    def test_the_proof_expires(self, client, person, sms_outbox):
        prove_by_sms(client, person, sms_outbox)
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
            assert client.get(NEW)["Location"] == START

    def test_nothing_proved(self, client):
        assert client.get(NEW)["Location"] == START
        assert client.put(NEW).status_code == 405


class TestRecoveryCode:
    def issue(self, person):
        return services.issue_recovery_code(person.user, person.user)

    def test_the_code_opens_a_new_password_once(self, client, person, sms_outbox):
        code = self.issue(person)
        stored = RecoveryCode.objects.get(user=person.user)
        assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash
        begin(client, person.user.username)
        assert client.get(CODE).status_code == 200
        response = client.post(CODE, {"code": code.lower().replace("-", " ")})
        assert response["Location"] == NEW
        client.post(NEW, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        person.user.refresh_from_db()
        assert person.user.check_password(NEW_PASSWORD)
        assert not RecoveryCode.objects.filter(user=person.user).exists()
        entry = JournalEntry.objects.get(
            beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET
        )
        assert entry.details == {"path": "recovery_code"}
        assert "avec votre code de secours" in sms_outbox[-1].body
        # Used: it opens nothing any more.
        begin(client, person.user.username)
        assert "ne correspond pas" in client.post(CODE, {"code": code}).content.decode()

    def test_two_tabs_cannot_use_one_code_twice(self, person):
        code = self.issue(person)
        tabs = [Client(), Client()]
        for tab in tabs:
            begin(tab, person.user.username)
            assert tab.post(CODE, {"code": code})["Location"] == NEW
        form = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        assert tabs[0].post(NEW, form).status_code == 302
        second = tabs[1].post(
            NEW, {**form, "new_password1": NEW_PASSWORD + "!", "new_password2": NEW_PASSWORD + "!"}
        )
        assert second["Location"] == START
        person.user.refresh_from_db()
        assert person.user.check_password(NEW_PASSWORD)

    def test_five_wrong_codes_close_the_path_for_an_hour(self, client, person):
        code = self.issue(person)
        begin(client, person.user.username)
        for _ in range(5):
            assert (
                "ne correspond pas"
                in client.post(CODE, {"code": "AAAA-AAAA-AAAA-AAAA"}).content.decode()
            )
        assert "Trop d’essais" in client.post(CODE, {"code": code}).content.decode()
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
            assert client.post(CODE, {"code": code})["Location"] == NEW

    def test_unknown_names_get_the_same_answer(self, client, person):
        self.issue(person)
        begin(client, "nobody.here.123")
        assert (
            "ne correspond pas"
            in client.post(CODE, {"code": "AAAA-AAAA-AAAA-AAAA"}).content.decode()
        )

    def test_the_same_hashing_for_known_and_unknown_names(self, client, person, settings):
        """Timing, roughly: with the production hasher, a wrong code costs the same time whether
        the account exists, has no code, or does not exist."""
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        self.issue(person)
        without_code = BeneficiaryFactory().user.username

        def median_time(identifier):
            begin(client, identifier)
            times = []
            for _ in range(3):
                began = time.perf_counter()
                client.post(
                    CODE, {"code": "AAAA-AAAA-AAAA-AAAA"}, REMOTE_ADDR=f"10.9.{len(times)}.1"
                )
                times.append(time.perf_counter() - began)
            from recovery.models import SendCounter

            SendCounter.objects.all().delete()
            return statistics.median(times)

        known, no_code, unknown = (
            median_time(name) for name in (person.user.username, without_code, "nobody.here.123")
        )
        for other in (no_code, unknown):
            assert 0.5 < other / known < 2, (known, no_code, unknown)

    def test_wrong_method_and_no_name(self, client):
        assert client.get(CODE)["Location"] == START
        assert client.put(CODE).status_code == 405


def test_a_locked_account_gets_out_through_recovery(client, person, sms_outbox):
    for _ in range(throttle.ACCOUNT_LOCK_AFTER):
        throttle.record_failure(person.user.username, "10.0.0.9")
    login = {"username": person.user.username, "password": PASSWORD}
    assert "bloquée" in client.post(reverse("accounts:login"), login).content.decode()
    prove_by_sms(client, person, sms_outbox)
    client.post(NEW, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(reverse("accounts:login"), {**login, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=person.user.pk).check_password(NEW_PASSWORD)


def test_no_secret_in_clear_anywhere(person, sms_outbox):
    code = services.issue_recovery_code(person.user, person.user)
    services.send_recovery_sms(person.user.username, person.user, "10.0.0.1")
    digits = digits_in(sms_outbox[-1])
    row = SmsCode.objects.get()
    for value in (row.digits_hash, str(row.details)):
        assert digits not in value
    assert check_password(code.replace("-", ""), RecoveryCode.objects.get().code_hash)
