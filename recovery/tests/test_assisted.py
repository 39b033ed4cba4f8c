"""Assisted reset at a structure: a professional of a structure that follows the person."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from journal.chain import verify_chain
from journal.models import JournalEntry
from recovery.models import SmsCode
from tests.auth import force_login_verified
from tests.factories import PASSWORD, AffiliationFactory, MembershipFactory

from .conftest import PHONE, digits_in

pytestmark = pytest.mark.django_db

FORM = {"document": "passport", "present": "on"}


def url(beneficiary, name="recovery:assisted"):
    return reverse(name, args=[beneficiary.code])


def one_time_password(response):
    page = response.content.decode()
    return page.split('data-testid="one-time-password">')[1].split("<")[0]


@pytest.fixture
def desk(client, world):
    force_login_verified(client, world.professional)
    return client


def with_phone(beneficiary):
    user = beneficiary.user
    user.phone, user.phone_verified_at = PHONE, timezone.now()
    user.save()
    return beneficiary


class TestAssisted:
    def test_the_button_is_on_the_persons_page(self, desk, world):
        page = desk.get(reverse("structures:beneficiary", args=[world.beneficiary.code]))
        assert url(world.beneficiary) in page.content.decode()

    def test_without_phone_it_gives_a_one_time_password(self, desk, world, sms_outbox):
        user = world.owner
        elsewhere = Client()
        elsewhere.force_login(user)
        for _ in range(throttle.ACCOUNT_LOCK_AFTER):
            throttle.record_failure(user.username, "10.0.0.9")
        page = desk.get(url(world.beneficiary)).content.decode()
        assert "Passeport" in page and 'name="present"' in page and "phone_lost" not in page
        response = desk.post(url(world.beneficiary), FORM)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        password = one_time_password(response)
        user.refresh_from_db()
        assert user.check_password(password) and user.must_change_password
        assert throttle.refusal(user.username, "10.0.0.8") is None
        response = elsewhere.get(reverse("vault:home"))
        assert response.status_code == 302 and "/login/" in response["Location"]
        entry = JournalEntry.objects.get(
            beneficiary=world.beneficiary, action=JournalEntry.Action.PASSWORD_RESET
        )
        assert entry.actor == world.professional and entry.structure == world.structure
        assert entry.details == {
            "path": "assisted",
            "document": "passport",
            "sms_confirmed": False,
        }
        assert verify_chain(world.beneficiary) == []
        assert sms_outbox == []  # no phone to tell
        # The person's login now leads to choosing their own password (accounts.gates).
        person = Client()
        login = person.post(
            reverse("accounts:login"), {"username": user.username, "password": password}
        )
        assert login.status_code == 302
        assert person.get(reverse("vault:home"))["Location"].startswith(
            reverse("accounts:password_change_required")
        )

    def test_with_a_phone_the_person_confirms_with_the_code(self, desk, world, sms_outbox):
        beneficiary = with_phone(world.beneficiary)
        beneficiary.user.preferred_language = "en"
        beneficiary.user.save()
        assert "78" in desk.get(url(beneficiary)).content.decode()
        response = desk.post(url(beneficiary), {**FORM, "document": "residence_permit"})
        assert response["Location"] == url(beneficiary, "recovery:assisted_confirm")
        [message] = sms_outbox
        assert message.to == PHONE and "Relais A is resetting your password" in message.body
        assert SmsCode.objects.get().requested_by == world.professional
        beneficiary.user.refresh_from_db()
        assert beneficiary.user.check_password(PASSWORD)  # nothing changed yet
        response = desk.post(
            url(beneficiary, "recovery:assisted_confirm"), {"code": digits_in(message)}
        )
        password = one_time_password(response)
        beneficiary.user.refresh_from_db()
        assert beneficiary.user.check_password(password) and beneficiary.user.must_change_password
        entry = JournalEntry.objects.get(
            beneficiary=beneficiary, action=JournalEntry.Action.PASSWORD_RESET
        )
        assert entry.details == {
            "path": "assisted",
            "document": "residence_permit",
            "sms_confirmed": True,
        }
        assert "at Relais A" in sms_outbox[-1].body and sms_outbox[-1].to == PHONE

    def test_a_wrong_code_changes_nothing(self, desk, world, sms_outbox):
        beneficiary = with_phone(world.beneficiary)
        desk.post(url(beneficiary), FORM)
        right = digits_in(sms_outbox[0])
        wrong = "000000" if right != "000000" else "111111"
        confirm = url(beneficiary, "recovery:assisted_confirm")
        for _ in range(4):
            assert (
                "Vérifiez-le avec la personne"
                in desk.post(confirm, {"code": wrong}).content.decode()
            )
        assert desk.post(confirm, {"code": wrong})["Location"] == url(beneficiary)
        assert desk.post(confirm, {"code": right})["Location"] == url(beneficiary)
        beneficiary.user.refresh_from_db()
        assert beneficiary.user.check_password(PASSWORD)

    def test_a_lost_phone_resets_without_code_and_stops_counting(self, desk, world, sms_outbox):
        beneficiary = with_phone(world.beneficiary)
        response = desk.post(url(beneficiary), {**FORM, "phone_lost": "on"})
        password = one_time_password(response)
        beneficiary.user.refresh_from_db()
        assert beneficiary.user.check_password(password)
        assert beneficiary.user.phone_verified_at is None
        assert [m.to for m in sms_outbox] == [PHONE]  # the notice only, to the lost phone
        entry = JournalEntry.objects.get(
            beneficiary=beneficiary, action=JournalEntry.Action.PASSWORD_RESET
        )
        assert entry.details["phone_lost"] is True and entry.details["sms_confirmed"] is False

    def test_the_check_must_be_attested(self, desk, world):
        for form in ({"document": "passport"}, {"present": "on"}, {**FORM, "document": "x"}):
            assert desk.post(url(world.beneficiary), form).status_code == 200
        world.owner.refresh_from_db()
        assert world.owner.check_password(PASSWORD) and not world.owner.must_change_password

    @pytest.mark.parametrize(
        "actor",
        ["other_professional", "former_member", "professional_affiliation_ended", "staff", "owner"],
    )
    def test_outsiders_get_404(self, client, world, actor):
        force_login_verified(client, getattr(world, actor))
        for name in ("recovery:assisted", "recovery:assisted_confirm"):
            assert client.get(url(world.beneficiary, name)).status_code == 404
            assert client.post(url(world.beneficiary, name), FORM).status_code == 404
        world.owner.refresh_from_db()
        assert world.owner.check_password(PASSWORD)

    def test_a_person_of_another_structure_is_404(self, desk, world):
        assert desk.get(url(world.stranger_beneficiary)).status_code == 404

    def test_an_affiliation_that_ends_closes_the_door(self, desk, world):
        world.beneficiary.affiliations.filter(structure=world.structure).get().end()
        assert desk.get(url(world.beneficiary)).status_code == 404

    def test_a_confirmation_started_by_someone_else_is_useless(self, desk, world, sms_outbox):
        beneficiary = with_phone(world.beneficiary)
        desk.post(url(beneficiary), FORM)
        colleague = MembershipFactory(structure=world.structure).user
        other = Client()
        force_login_verified(other, colleague)
        session = other.session
        session["recovery:assisted"] = {
            "sms": str(SmsCode.objects.get().code),
            "person": str(beneficiary.code),
        }
        session.save()
        response = other.post(
            url(beneficiary, "recovery:assisted_confirm"), {"code": digits_in(sms_outbox[0])}
        )
        assert response["Location"] == url(beneficiary)
        beneficiary.user.refresh_from_db()
        assert beneficiary.user.check_password(PASSWORD)

    def test_any_structure_following_the_person_works(self, client, world):
        AffiliationFactory(beneficiary=world.beneficiary, structure=world.other_structure)
        force_login_verified(client, world.other_professional)
        assert client.post(url(world.beneficiary), FORM).status_code == 200

    def test_anonymous_goes_to_login(self, client, world):
        assert "/login/" in client.get(url(world.beneficiary))["Location"]

    def test_wrong_method(self, desk, world):
        assert desk.put(url(world.beneficiary)).status_code == 405
        assert desk.put(url(world.beneficiary, "recovery:assisted_confirm")).status_code == 405

    def test_no_code_asked(self, desk, world):
        confirm = url(world.beneficiary, "recovery:assisted_confirm")
        assert desk.get(confirm)["Location"] == url(world.beneficiary)
