"""An appointment made at the desk reaches the person: in their agenda, then as a reminder SMS
in their language at the right time. The professional's dashboard, at 360 and 1280 px."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from agenda.models import Appointment, Delivery, Reminder
from agenda.tasks import send_due_reminders
from agenda.tests.test_alerts import paper
from notify.backends import locmem
from tests.browser.helpers import check_a11y, check_layout, fr, log_in, log_out, visit
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PARIS = ZoneInfo("Europe/Paris")
PHONE = "+33612345678"
TITLE = "Rendez-vous CAF (fictif)"
PLACE = "CAF, 2 rue des Exemples"


def field(page: Page, label: str):
    """A form field by the start of its French label (Django adds " :" after labels in French)."""
    return page.get_by_label(re.compile("^" + re.escape(fr(label))))


def test_an_appointment_made_at_the_desk_reminds_the_person_in_english(page: Page, world, settings):
    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    person = world.beneficiary
    person.phone = PHONE
    person.save(update_fields=["phone"])
    User.objects.filter(pk=world.owner.pk).update(preferred_language="en")
    day = timezone.localdate() + datetime.timedelta(days=3)

    # The social worker adds the appointment on the person's page.
    log_in(page, world.professional.username)
    visit(page, reverse("structures:beneficiary", args=[person.code]))
    page.get_by_role("link", name=fr("Add an appointment")).click()
    check_a11y(page)
    field(page, "What").fill(TITLE)
    field(page, "Date").fill(day.isoformat())
    field(page, "Time").fill("09:00")
    field(page, "Place").fill(PLACE)
    page.get_by_role("button", name=fr("Save")).click()
    expect(page.locator(".message.success")).to_have_text(fr("Appointment saved."))
    check_a11y(page)
    appointment = Appointment.objects.get(owner=person)
    assert appointment.starts_at == datetime.datetime.combine(
        day, datetime.time(9, 0), tzinfo=PARIS
    )
    assert set(appointment.reminders.values_list("offset", flat=True)) == {
        "day_before",
        "two_hours",
    }

    # It is on the social worker's dashboard (screenshots at a phone's and a desk's width).
    paper(
        person, timezone.localdate() + datetime.timedelta(days=20), title="Scan du titre (fictif)"
    )
    visit(page, reverse("agenda_dashboard:home"))
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Coming up"))
    expect(page.get_by_text(TITLE)).to_be_visible()
    expect(page.get_by_text("Scan du titre (fictif)")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        check_a11y(page)
        check_layout(page)
        page.screenshot(path=SCREENSHOTS / f"agenda-dashboard-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=re.compile(re.escape(TITLE))).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("structures:beneficiary", args=[person.code])) + "$")
    )
    log_out(page)

    # The person logs in (the login page speaks French to this browser; then their English).
    visit(page, "/login/")
    page.get_by_label(fr("Username or phone number")).fill(world.owner.username)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=fr("Log in"), exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    visit(page, reverse("agenda:calendar"))
    expect(page.get_by_text(TITLE)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    # The day before, at 10:00 in Paris, the worker sends the reminder: in English, once.
    due = datetime.datetime.combine(
        day - datetime.timedelta(days=1), datetime.time(10, 0), tzinfo=PARIS
    )
    for moment in (due - datetime.timedelta(minutes=5), due, due + datetime.timedelta(minutes=5)):
        with time_machine.travel(moment, tick=False):
            send_due_reminders.enqueue()
    assert len(locmem.outbox) == 1
    message = locmem.outbox[0]
    assert message.to == PHONE
    date = f"{day:%A} {day.day} {day:%B}"
    assert message.body == f"Coffre: appointment tomorrow ({date}) at 09:00: {TITLE}, {PLACE}."
    reminder = Reminder.objects.get(appointment=appointment, offset="day_before")
    assert reminder.status == Delivery.SENT
    locmem.outbox.clear()
