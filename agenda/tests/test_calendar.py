"""The person's calendar: coming appointments by day (past ones behind a link, pages), and the
month (grid, today, previous/next, right local times across the clock changes)."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from agenda.tests.factories import make_appointment, paris
from tests.factories import BeneficiaryFactory
from vault.models import Visibility

pytestmark = pytest.mark.django_db

NOW = paris(2026, 3, 10, 12, 0)  # a Tuesday


@pytest.fixture(autouse=True)
def _frozen_clock():
    """A fixed "now" (local times in these tests are relative to it)."""
    with time_machine.travel(NOW, tick=False):
        yield


def _fr(message: str) -> str:
    with translation.override("fr"):
        return translation.gettext(message)


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _titles(page: str) -> list[str]:
    return re.findall(r'<span class="doc-title">([^<]*)</span>', page)


class TestList:
    def test_coming_appointments_grouped_by_day_in_order(self, logged_in, owner):
        make_appointment(owner, title="Plus tard", starts_at=paris(2026, 3, 12, 16, 0))
        make_appointment(owner, title="Ce matin", starts_at=paris(2026, 3, 10, 8, 0))
        make_appointment(owner, title="Demain", starts_at=paris(2026, 3, 11, 9, 30))
        make_appointment(owner, title="Jeudi tôt", starts_at=paris(2026, 3, 12, 9, 0))
        make_appointment(owner, title="Hier", starts_at=paris(2026, 3, 9, 9, 0))
        make_appointment(BeneficiaryFactory(), title="Pas à moi", starts_at=paris(2026, 3, 11, 9))
        page = _page(logged_in.get(reverse("agenda:calendar")))
        # Today's appointment stays on the list all day, even once its time has passed.
        assert _titles(page) == ["Ce matin", "Demain", "Jeudi tôt", "Plus tard"]
        headings = re.findall(r'<h2 id="day-(\d+)"', page)
        assert headings == ["20260310", "20260311", "20260312"]
        assert _fr("Today") in page and _fr("Tomorrow") in page
        assert "jeudi 12 mars 2026" in page.lower()
        assert ">09:30<" in page

    def test_past_appointments_are_behind_a_link_most_recent_first(self, logged_in, owner):
        make_appointment(owner, title="Il y a longtemps", starts_at=paris(2026, 1, 5, 9, 0))
        make_appointment(owner, title="Hier", starts_at=paris(2026, 3, 9, 9, 0))
        make_appointment(owner, title="Bientôt", starts_at=paris(2026, 3, 20, 9, 0))
        page = _page(logged_in.get(reverse("agenda:calendar")))
        assert "?past=1" in page and "Hier" not in page
        page = _page(logged_in.get(reverse("agenda:calendar") + "?past=1"))
        assert _titles(page) == ["Hier", "Il y a longtemps"]
        assert reverse("agenda:calendar") in page  # the way back to what is coming

    def test_pages_of_thirty(self, logged_in, owner):
        for i in range(35):
            make_appointment(owner, title=f"RDV {i:02d}", starts_at=paris(2026, 4, 1, 8) + i * HOUR)
        page = _page(logged_in.get(reverse("agenda:calendar")))
        assert len(_titles(page)) == 30 and "RDV 29" in page and "RDV 30" not in page
        assert "page=2" in page
        page = _page(logged_in.get(reverse("agenda:calendar") + "?page=2"))
        assert _titles(page) == [f"RDV {i}" for i in range(30, 35)]
        for i in range(35):
            make_appointment(
                owner, title=f"Vieux {i:02d}", starts_at=paris(2026, 1, 1, 8) + i * HOUR
            )
        page = _page(logged_in.get(reverse("agenda:calendar") + "?past=1&page=2"))
        assert "past=1&page=1" in page
        assert len(_titles(page)) == 5

    def test_the_empty_list_says_what_to_do(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:calendar")))
        assert (
            _fr(
                "No appointment coming. Add your next appointment: you can be reminded of it the "
                "day before."
            )
            in page
        )
        assert reverse("agenda:appointment_create") in page

    def test_the_owner_shares_from_the_list(self, logged_in, owner):
        appointment = make_appointment(owner, starts_at=paris(2026, 3, 20, 9))
        page = _page(logged_in.get(reverse("agenda:calendar")))
        assert reverse("agenda:appointment_visibility", args=[appointment.code]) in page
        response = logged_in.post(
            reverse("agenda:appointment_visibility", args=[appointment.code]),
            {"visibility": Visibility.SHARED, "next": "list"},
        )
        assert response["Location"] == reverse("agenda:calendar")
        appointment.refresh_from_db()
        assert appointment.is_shared


HOUR = datetime.timedelta(hours=1)


def _cells(page: str) -> dict[str, str]:
    """Each day cell of the month grid, by its short label (day number), in-month days only."""
    cells = {}
    for attrs, body in re.findall(r'<td class="day([^"]*)"[^>]*>(.*?)</td>', page, re.S):
        if "outside" in attrs:
            continue
        number = re.search(r'<span class="short"[^>]*>(\d+)</span>', body).group(1)
        cells[number] = attrs + "|" + body
    return cells


class TestMonth:
    def test_this_month_by_default_with_today_marked(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:month_now")))
        assert "<h1>Mars 2026</h1>" in page
        cells = _cells(page)
        assert len(cells) == 31
        assert "today" in cells["10"].split("|")[0]
        assert 'aria-current="date"' in page
        assert sum("today" in cell.split("|")[0] for cell in cells.values()) == 1
        # Weeks start on Monday: 1 March 2026 is a Sunday, the grid starts on 23 February.
        assert re.search(r"<tbody>\s*<tr>\s*<td class=\"day outside", page)

    def test_previous_and_next_months(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:month", args=[2026, 1])))
        assert reverse("agenda:month", args=[2025, 12]) in page
        assert reverse("agenda:month", args=[2026, 2]) in page
        assert reverse("agenda:month_now") in page  # back to this month
        page = _page(logged_in.get(reverse("agenda:month", args=[2026, 12])))
        assert reverse("agenda:month", args=[2027, 1]) in page
        assert 'aria-current="date"' not in page

    @pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (1, 1)])
    def test_an_impossible_month_is_not_found(self, logged_in, owner, year, month):
        assert logged_in.get(reverse("agenda:month", args=[year, month])).status_code == 404

    def test_the_clock_changes_in_march_and_october(self, logged_in, owner):
        # Before and after the change to summer time (29 March 2026) and back (25 October).
        for day, hour in ((28, 9), (29, 9), (30, 9), (29, 1), (29, 3)):
            make_appointment(owner, title=f"M{day}-{hour}", starts_at=paris(2026, 3, day, hour, 15))
        for day, hour in ((24, 23), (25, 1), (25, 9), (26, 0)):
            make_appointment(owner, title=f"O{day}-{hour}", starts_at=paris(2026, 10, day, hour, 5))
        march = _cells(_page(logged_in.get(reverse("agenda:month", args=[2026, 3]))))
        assert ">09:15</time> M28-9" in march["28"]
        assert ">09:15</time> M29-9" in march["29"] and ">01:15</time> M29-1" in march["29"]
        assert ">03:15</time> M29-3" in march["29"]
        assert ">09:15</time> M30-9" in march["30"]
        october = _cells(_page(logged_in.get(reverse("agenda:month", args=[2026, 10]))))
        assert ">23:05</time> O24-23" in october["24"]
        assert ">01:05</time> O25-1" in october["25"] and ">09:05</time> O25-9" in october["25"]
        assert ">00:05</time> O26-0" in october["26"]
        assert "O26-0" not in october["25"]

    def test_days_outside_the_month_show_their_appointments_too(self, logged_in, owner):
        make_appointment(owner, title="Début avril", starts_at=paris(2026, 4, 2, 10))
        page = _page(logged_in.get(reverse("agenda:month", args=[2026, 3])))
        assert "Début avril" in page

    def test_an_empty_month_says_what_to_do(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:month", args=[2026, 5])))
        assert "Aucun rendez-vous en mai 2026" in page
        assert reverse("agenda:appointment_create") in page

    def test_only_my_appointments(self, logged_in, owner):
        make_appointment(BeneficiaryFactory(), title="Pas à moi", starts_at=paris(2026, 3, 11, 9))
        make_appointment(owner, title="À moi", starts_at=paris(2026, 3, 11, 10))
        page = _page(logged_in.get(reverse("agenda:month_now")))
        assert "À moi" in page and "Pas à moi" not in page
