"""The agenda settings page: reminders on/off, the subscription link's state; owner only."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from agenda import services
from agenda.models import AgendaSettings
from tests.auth import force_login_verified

pytestmark = pytest.mark.django_db


def _fr(message: str) -> str:
    with translation.override("fr"):
        return translation.gettext(message)


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


class TestSettingsPage:
    def test_first_visit_makes_the_settings_with_reminders_on(self, logged_in, owner):
        assert not AgendaSettings.objects.exists()
        page = _page(logged_in.get(reverse("agenda:settings")))
        found = AgendaSettings.objects.get(owner=owner)
        assert found.reminders_on and not found.has_feed
        assert _fr("Reminders are on.") in page
        assert _fr("Make my link") in page
        assert _fr("Turn the link off") not in page

    def test_reminders_off_then_on(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:reminders"), {"reminders_on": ""}, follow=True)
        assert not AgendaSettings.objects.get(owner=owner).reminders_on
        page = _page(response)
        assert _fr("Reminders are off.") in page
        assert _fr("Turn reminders on") in page
        logged_in.post(reverse("agenda:reminders"), {"reminders_on": "on"})
        assert AgendaSettings.objects.get(owner=owner).reminders_on

    def test_the_switch_works_before_the_page_was_ever_seen(self, logged_in, owner):
        logged_in.post(reverse("agenda:reminders"), {})
        assert not AgendaSettings.objects.get(owner=owner).reminders_on

    def test_with_a_link_it_says_since_when_and_offers_a_new_one_or_off(self, logged_in, owner):
        logged_in.post(reverse("agenda:feed_create"))
        page = _page(logged_in.get(reverse("agenda:settings")))
        assert _fr("Make a new link (the old one stops working)") in page
        assert _fr("Turn the link off") in page
        assert "/feed/" not in page

    def test_the_link_page_offers_the_phone_calendar(self, logged_in, owner):
        page = _page(logged_in.post(reverse("agenda:feed_create")))
        assert 'href="webcal://testserver/coffre/agenda/feed/' in page
        assert _fr("Here is your link. It is shown only this once: add it now, or copy it.") in page

    def test_turning_off_without_a_link_changes_nothing(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:feed_revoke"))
        assert response.status_code == 302
        assert not AgendaSettings.objects.filter(
            owner=owner, feed_token_hash__isnull=False
        ).exists()

    @pytest.mark.parametrize("name", ["reminders", "feed_create", "feed_revoke"])
    def test_changes_refuse_get(self, logged_in, owner, name):
        assert logged_in.get(reverse(f"agenda:{name}")).status_code == 405
        assert not AgendaSettings.objects.filter(feed_token_hash__isnull=False).exists()

    @pytest.mark.parametrize("actor", ["professional", "admin", "staff"])
    def test_nobody_else_has_settings(self, client, world, actor):
        force_login_verified(client, getattr(world, actor))
        assert client.get(reverse("agenda:settings")).status_code == 404
        assert client.post(reverse("agenda:reminders"), {}).status_code == 404
        assert client.post(reverse("agenda:feed_revoke")).status_code == 404
        assert not AgendaSettings.objects.exists()

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get(reverse("agenda:settings"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


class TestRemindersOffIsShown:
    def test_the_appointment_form_says_reminders_are_off(self, logged_in, owner):
        url = reverse("agenda:appointment_create")
        assert _fr("You turned reminders off: no message will be sent.") not in _page(
            logged_in.get(url)
        )
        logged_in.post(reverse("agenda:reminders"), {"reminders_on": ""})
        page = _page(logged_in.get(url))
        assert _fr("You turned reminders off: no message will be sent.") in page
        assert reverse("agenda:settings") in page


class TestAdmin:
    def test_staff_see_deliveries_not_contents(self, client, world):
        from agenda.tests.factories import make_appointment

        appointment = make_appointment(
            world.beneficiary, title="Titre secret", place="Lieu secret", offsets=["day_before"]
        )
        services.make_feed_link(world.beneficiary, world.owner)
        force_login_verified(client, world.staff)
        for name in ("reminder", "agendasettings", "expiryalert"):
            page = _page(client.get(reverse(f"admin:agenda_{name}_changelist")))
            assert "Titre secret" not in page and "Lieu secret" not in page
        page = _page(client.get(reverse("admin:agenda_reminder_changelist")))
        assert str(appointment.code) in page
        hash_ = AgendaSettings.objects.get(owner=world.beneficiary).feed_token_hash
        assert hash_ not in _page(client.get(reverse("admin:agenda_agendasettings_changelist")))
        assert client.get(reverse("admin:agenda_reminder_add")).status_code == 403
