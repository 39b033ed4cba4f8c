"""Brute force: growing delays, then a lock, per account name and per address; no enumeration."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts import throttle
from journal.models import JournalEntry
from tests.factories import PASSWORD, BeneficiaryFactory

LOGIN = "/login/"


def _try(client, username, password="wrong password!", address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def person(db):
    return BeneficiaryFactory()


class TestThrottle:
    def test_the_first_mistakes_cost_nothing_then_delays_grow(self, client, person):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for _ in range(3):
                assert (
                    "Identifiant ou mot de passe incorrect"
                    in _try(client, person.user.username).content.decode()
                )
            page = _try(client, person.user.username).content.decode()
            assert "Attendez" in page  # the 4th try comes too fast
            clock.shift(datetime.timedelta(seconds=6))
            assert (
                "Identifiant ou mot de passe incorrect"
                in _try(client, person.user.username).content.decode()
            )
            clock.shift(datetime.timedelta(seconds=6))
            assert "Attendez" in _try(client, person.user.username).content.decode()  # now 10 s

    def test_a_lock_after_ten_failures_even_with_the_right_password(self, client, person):
        moment = timezone.now()
        with time_machine.travel(moment, tick=False) as clock:
            for _ in range(10):
                _try(client, person.user.username)
                clock.shift(datetime.timedelta(minutes=16))
            page = _try(client, person.user.username, PASSWORD).content.decode()
            assert "bloquée" in page and "travailleur social" in page
            assert "_auth_user_id" not in client.session
            actions = list(
                JournalEntry.objects.filter(beneficiary=person).values_list("action", flat=True)
            )
            assert actions.count("login_failed") == 10 and "account_locked" in actions
            clock.shift(datetime.timedelta(hours=25))
            response = _try(client, person.user.username, PASSWORD)
            assert response.status_code == 302  # the lock expires

    def test_recovery_unlocks_at_once(self, client, person):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for _ in range(10):
                _try(client, person.user.username)
                clock.shift(datetime.timedelta(minutes=16))
            throttle.unlock(person.user.username)
            assert _try(client, person.user.username, PASSWORD).status_code == 302

    def test_unknown_and_known_names_get_the_same_answers(self, client, person):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            answers = {}
            for name in (person.user.username, "personne.inconnue.123"):
                pages = []
                for _ in range(10):
                    response = _try(client, name)
                    pages.append((response.status_code, _errors(response)))
                    clock.shift(datetime.timedelta(minutes=16))
                pages.append((_try(client, name).status_code, "locked"))
                answers[name] = pages
            known, unknown = answers.values()
            assert [status for status, _ in known] == [status for status, _ in unknown]
            assert [text for _, text in known] == [text for _, text in unknown]

    def test_a_success_resets_the_count(self, client, person):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for _ in range(3):
                _try(client, person.user.username)
            clock.shift(datetime.timedelta(minutes=1))
            assert _try(client, person.user.username, PASSWORD).status_code == 302
            client.logout()
            for _ in range(3):
                assert "Attendez" not in _try(client, person.user.username).content.decode()

    def test_one_address_spraying_many_names_is_blocked(self, client, person):
        with time_machine.travel(timezone.now(), tick=False):
            for index in range(100):
                _try(client, f"nom{index}", address="203.0.113.7")
            assert (
                "bloquée"
                in _try(client, person.user.username, PASSWORD, "203.0.113.7").content.decode()
            )
            # ... but not the same person from elsewhere.
            assert _try(client, person.user.username, PASSWORD, "198.51.100.2").status_code == 302

    def test_names_are_stored_only_as_keyed_hashes(self, client, person):
        _try(client, person.user.username)
        from accounts.models import LoginThrottle

        assert person.user.username not in str(
            list(LoginThrottle.objects.values_list("key", flat=True))
        )


def _errors(response) -> str:
    import re

    text = response.content.decode()
    found = re.search(r'class="message error" role="alert">([^<]*)', text)
    # Remove the times in lock messages, the same for both.
    return re.sub(r"\d", "#", found.group(1)) if found else ""
