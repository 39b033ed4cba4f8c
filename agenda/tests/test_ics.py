"""iCalendar: one appointment as .ics, and the private subscription feed (no login, revocable,
only the owner's appointments). Every file is parsed back with icalendar itself."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from agenda import services
from agenda.models import AgendaSettings
from agenda.tests.factories import make_appointment, paris
from journal.models import JournalEntry
from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory
from vault.models import Visibility

pytestmark = pytest.mark.django_db

NOW = paris(2026, 3, 10, 12, 0)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """A fixed "now" (local times in these tests are relative to it)."""
    with time_machine.travel(NOW, tick=False):
        yield


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


class TestOneAppointment:
    def test_it_parses_back_with_the_local_time_zone_and_everything(self, logged_in, owner):
        appointment = make_appointment(
            owner,
            title="Audience, tribunal",
            starts_at=paris(2026, 3, 30, 9, 0),  # the day after the change to summer time
            ends_at=paris(2026, 3, 30, 10, 30),
            place="1 place de l'Exemple, 75000 Paris",
            with_whom="Maître Exemple",
            note="Apporter la convocation",
            offsets=["day_before", "two_hours"],
        )
        response = logged_in.get(reverse("agenda:appointment_download", args=[appointment.code]))
        assert response["Cache-Control"] == "no-store"
        assert "attachment" in response["Content-Disposition"]
        assert ".ics" in response["Content-Disposition"]
        text = response.content.decode()
        assert "DTSTART;TZID=Europe/Paris:20260330T090000" in text
        assert "DTEND;TZID=Europe/Paris:20260330T103000" in text
        calendar = _calendar(response)
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert calendar.get_missing_tzids() == set()
        (event,) = calendar.events
        assert str(event["UID"]) == str(appointment.code)
        assert str(event["SUMMARY"]) == "Audience, tribunal"
        assert str(event["LOCATION"]) == "1 place de l'Exemple, 75000 Paris"
        assert "Maître Exemple" in str(event["DESCRIPTION"])
        assert "Apporter la convocation" in str(event["DESCRIPTION"])
        assert event.start == paris(2026, 3, 30, 9, 0)
        assert event.start.utcoffset() == datetime.timedelta(hours=2)
        assert str(event.start.tzinfo) == "Europe/Paris"
        assert event.end == paris(2026, 3, 30, 10, 30)

    def test_the_alarms_match_the_chosen_reminders(self, logged_in, owner):
        appointment = make_appointment(
            owner,
            starts_at=paris(2026, 3, 30, 9, 0),
            offsets=["day_before", "two_hours", "one_hour", "week_before"],
        )
        calendar = _calendar(
            logged_in.get(reverse("agenda:appointment_download", args=[appointment.code]))
        )
        triggers = sorted(
            (alarm["TRIGGER"].dt for alarm in calendar.walk("VALARM")),
            key=lambda t: (isinstance(t, datetime.timedelta), str(t)),
        )
        relative = sorted(t for t in triggers if isinstance(t, datetime.timedelta))
        absolute = sorted(t for t in triggers if isinstance(t, datetime.datetime))
        assert relative == [-datetime.timedelta(hours=2), -datetime.timedelta(hours=1)]
        # "The day before at 10:00" and "a week before at 10:00", on the Paris wall clock (the
        # week before is still winter time).
        assert absolute == [paris(2026, 3, 23, 10, 0), paris(2026, 3, 29, 10, 0)]
        assert "TRIGGER;VALUE=DATE-TIME:20260323T090000Z" in calendar.to_ical().decode()
        for alarm in calendar.walk("VALARM"):
            assert str(alarm["ACTION"]) == "DISPLAY"

    def test_no_reminder_no_alarm_no_end(self, logged_in, owner):
        appointment = make_appointment(owner, offsets=[])
        calendar = _calendar(
            logged_in.get(reverse("agenda:appointment_download", args=[appointment.code]))
        )
        assert calendar.walk("VALARM") == []
        assert "DTEND" not in calendar.events[0]

    def test_a_professional_download_is_journaled(self, client, world):
        appointment = make_appointment(world.beneficiary, visibility=Visibility.SHARED)
        force_login_verified(client, world.professional)
        _calendar(client.get(reverse("agenda:appointment_download", args=[appointment.code])))
        entry = JournalEntry.objects.for_beneficiary(world.beneficiary).first()
        assert (entry.action, entry.actor, entry.structure) == (
            JournalEntry.Action.ITEM_VIEWED,
            world.professional,
            world.structure,
        )


def _make_link(client) -> str:
    response = client.post(reverse("agenda:feed_create"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = re.search(
        r'id="feed-url"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="feed-url"',
        (response.content.decode()),
    )
    assert match, "the link is shown"
    url = match.group(1) or match.group(2)
    assert url.startswith("http://testserver/coffre/agenda/feed/")
    return url.removeprefix("http://testserver")


class TestFeed:
    def test_it_works_without_login_and_holds_only_the_owners_appointments(
        self, client, logged_in, owner
    ):
        mine = [
            make_appointment(owner, title="Privé", starts_at=paris(2026, 3, 20, 9)),
            make_appointment(
                owner, title="Partagé", starts_at=paris(2026, 10, 26, 9), visibility="shared"
            ),
            make_appointment(owner, title="Passé", starts_at=paris(2026, 2, 1, 9)),
        ]
        make_appointment(BeneficiaryFactory(), title="Pas à moi", starts_at=paris(2026, 3, 21, 9))
        path = _make_link(logged_in)
        client.logout()

        response = client.get(path)
        assert response["Cache-Control"] == "private, no-store"
        calendar = _calendar(response)
        assert {str(e["UID"]) for e in calendar.events} == {str(a.code) for a in mine}
        assert "Pas à moi" not in response.content.decode()
        starts = {str(e["SUMMARY"]): e.start for e in calendar.events}
        assert starts["Partagé"].utcoffset() == datetime.timedelta(hours=1)  # winter again
        assert starts["Privé"] == paris(2026, 3, 20, 9)
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)

    def test_only_the_hash_of_the_secret_is_kept(self, logged_in, owner):
        path = _make_link(logged_in)
        token = path.rsplit("/", 1)[1].removesuffix(".ics")
        assert len(token) >= 43  # 32 random bytes
        found = AgendaSettings.objects.get(owner=owner)
        assert found.feed_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(AgendaSettings.objects.filter(owner=owner).values().get())
        # Shown once: the settings page does not show it again.
        assert token not in logged_in.get(reverse("agenda:settings")).content.decode()

    def test_a_new_link_kills_the_old_one(self, client, logged_in, owner):
        old = _make_link(logged_in)
        new = _make_link(logged_in)
        assert old != new
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200

    def test_turning_it_off_kills_it(self, client, logged_in, owner):
        path = _make_link(logged_in)
        response = logged_in.post(reverse("agenda:feed_revoke"))
        assert response.status_code == 302
        assert client.get(path).status_code == 404
        assert not AgendaSettings.objects.get(owner=owner).has_feed
        actions = list(
            JournalEntry.objects.filter(beneficiary=owner)
            .order_by("seq")
            .values_list("action", flat=True)
        )
        assert actions[-2:] == [
            JournalEntry.Action.CALENDAR_LINK_CREATED,
            JournalEntry.Action.CALENDAR_LINK_REVOKED,
        ]

    @pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "..", ""])
    def test_an_unknown_secret_is_not_found(self, client, owner, token):
        services.make_feed_link(owner, owner.user)
        assert client.get(f"/coffre/agenda/feed/{token}.ics").status_code == 404

    def test_another_persons_link_shows_only_theirs(self, client, owner):
        other = BeneficiaryFactory()
        make_appointment(owner, title="À moi", starts_at=paris(2026, 3, 20, 9))
        make_appointment(other, title="À l'autre", starts_at=paris(2026, 3, 20, 9))
        token = services.make_feed_link(other, other.user)
        body = client.get(reverse("agenda:feed", args=[token])).content.decode()
        assert "À l'autre" in body and "À moi" not in body

    def test_a_deactivated_account_has_no_feed(self, client, owner):
        token = services.make_feed_link(owner, owner.user)
        owner.user.is_active = False
        owner.user.save()
        assert client.get(reverse("agenda:feed", args=[token])).status_code == 404

    def test_the_feed_speaks_the_owners_language(self, client, owner):
        make_appointment(owner, with_whom="Mme Exemple", starts_at=paris(2026, 3, 20, 9))
        token = services.make_feed_link(owner, owner.user)
        body = client.get(reverse("agenda:feed", args=[token])).content.decode()
        assert "Avec : Mme Exemple" in body or "Avec: Mme Exemple" in body
        owner.user.preferred_language = "en"
        owner.user.save()
        body = client.get(reverse("agenda:feed", args=[token])).content.decode()
        assert "With: Mme Exemple" in body

    def test_only_the_owner_makes_a_link(self, client, world):
        force_login_verified(client, world.professional)
        assert client.post(reverse("agenda:feed_create")).status_code == 404
        assert client.get(reverse("agenda:feed_create")).status_code == 405
        assert not AgendaSettings.objects.exists()
