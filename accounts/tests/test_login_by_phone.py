import pytest
from django.utils import timezone

from tests.factories import PASSWORD, BeneficiaryFactory

LOGIN = "/login/"


@pytest.fixture
def person(db):
    person = BeneficiaryFactory()
    person.user.phone = "+33612345678"
    person.user.phone_verified_at = timezone.now()
    person.user.save()
    return person


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "+33 6 12 34 56 78", "0612345678"])
def test_a_verified_number_logs_in(client, person, typed):
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.user.pk)


def test_an_unverified_number_does_not(client, person):
    person.user.phone_verified_at = None
    person.user.save()
    response = client.post(LOGIN, {"username": "0612345678", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_number_shared_by_two_accounts_matches_nobody(client, person):
    other = BeneficiaryFactory()
    other.user.phone, other.user.phone_verified_at = person.user.phone, timezone.now()
    other.user.save()
    response = client.post(LOGIN, {"username": "0612345678", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_username_still_works(client, person):
    assert (
        client.post(LOGIN, {"username": person.user.username, "password": PASSWORD}).status_code
        == 302
    )
