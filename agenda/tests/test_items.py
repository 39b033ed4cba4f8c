"""Contacts, appointments and notes through the real views: the owner's and a professional's
on the person's behalf, bad input that loses nothing, links for the phone, the journal."""

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agenda.models import Appointment, Contact, Note, Reminder
from agenda.reminders import DEFAULT_OFFSETS
from agenda.tests.factories import make_appointment, make_contact, make_note, paris
from journal.models import JournalEntry
from tests.auth import force_login_verified
from tests.factories import AffiliationFactory, BeneficiaryFactory
from vault.models import Visibility

pytestmark = pytest.mark.django_db

NOW = paris(2026, 3, 10, 9, 0)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """A fixed "now" (local times in these tests are relative to it)."""
    with time_machine.travel(NOW, tick=False):
        yield


def _actions(owner) -> list[str]:
    return list(
        JournalEntry.objects.filter(beneficiary=owner)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _fr(message: str) -> str:
    with translation.override("fr"):
        return translation.gettext(message)


def _page(response) -> str:
    return html.unescape(response.content.decode())


CONTACT = {
    "name": "Dr Exemple",
    "phone": "06 12 34 56 78",
    "email": "cabinet@example.org",
    "organisation": "Centre de santé",
    "role": "médecin",
    "note": "Le mardi matin",
    "visibility": "private",
}


class TestContactCreate:
    def test_it_saves_a_normalised_phone_and_journals(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:contact_create"), CONTACT)
        assert response.status_code == 302
        assert response["Location"] == reverse("agenda:contacts")
        contact = Contact.objects.get(owner=owner)
        assert contact.phone == "+33612345678"
        assert (contact.name, contact.email, contact.role) == (
            "Dr Exemple",
            "cabinet@example.org",
            "médecin",
        )
        assert contact.visibility == Visibility.PRIVATE
        assert contact.created_by == owner.user
        assert _actions(owner)[-1] == JournalEntry.Action.ITEM_ADDED
        entry = JournalEntry.objects.filter(beneficiary=owner).last()
        assert (entry.item_kind, entry.item_code, entry.item_label) == (
            "contact",
            contact.code,
            "Dr Exemple",
        )

    @pytest.mark.parametrize(
        ("typed", "stored", "shown"),
        [
            ("01 23 45 67 89", "+33123456789", "01 23 45 67 89"),
            ("+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78"),
            ("0033612345678", "+33612345678", "06 12 34 56 78"),
            ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56"),
            ("115", "115", "115"),
            ("", "", ""),
        ],
    )
    def test_phone_numbers_are_stored_e164_and_shown_as_dialled(
        self, logged_in, owner, typed, stored, shown
    ):
        logged_in.post(reverse("agenda:contact_create"), {**CONTACT, "phone": typed})
        contact = Contact.objects.get(owner=owner)
        assert contact.phone == stored
        page = _page(logged_in.get(reverse("agenda:contact", args=[contact.code])))
        if stored:
            assert f'href="tel:{stored}"' in page
            assert shown in page
        else:
            assert "tel:" not in page

    @pytest.mark.parametrize("typed", ["06 12 34", "12", "abc", "+33 6 12", "0612345678901"])
    def test_a_bad_number_is_refused_in_french_and_nothing_typed_is_lost(
        self, logged_in, owner, typed
    ):
        response = logged_in.post(reverse("agenda:contact_create"), {**CONTACT, "phone": typed})
        assert response.status_code == 200
        page = _page(response)
        assert "n’est pas un numéro de téléphone valide" in page
        assert _fr("Something is missing or wrong: see the messages in red below.") in page
        for name in ("name", "email", "organisation", "role"):
            assert f'value="{CONTACT[name]}"' in page
        assert f'value="{typed}"' in page
        assert CONTACT["note"] in page
        assert not Contact.objects.exists()

    def test_a_bad_email_is_refused(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:contact_create"), {**CONTACT, "email": "pas une adresse"}
        )
        assert response.status_code == 200
        assert 'value="pas une adresse"' in _page(response)
        assert not Contact.objects.exists()

    def test_a_name_is_required(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:contact_create"), {**CONTACT, "name": " "})
        assert response.status_code == 200
        assert not Contact.objects.exists()

    def test_the_owner_chooses_sharing_and_the_default_is_theirs(self, logged_in, owner):
        owner.default_visibility = Visibility.SHARED
        owner.save()
        page = _page(logged_in.get(reverse("agenda:contact_create")))
        assert _is_checked(page, "visibility", "shared")
        assert not _is_checked(page, "visibility", "private")
        logged_in.post(reverse("agenda:contact_create"), {**CONTACT, "visibility": "shared"})
        assert Contact.objects.get(owner=owner).visibility == Visibility.SHARED


class TestContactPages:
    def test_the_list_has_tel_links_and_only_my_contacts(self, logged_in, owner):
        make_contact(owner, name="Mme Alpha", phone="+33612345678")
        make_contact(owner, name="115 Samu social", phone="115")
        make_contact(BeneficiaryFactory(), name="Pas à moi")
        page = _page(logged_in.get(reverse("agenda:contacts")))
        assert "Mme Alpha" in page and "115 Samu social" in page
        assert 'href="tel:+33612345678"' in page and 'href="tel:115"' in page
        assert "06 12 34 56 78" in page
        assert "Pas à moi" not in page

    def test_the_detail_has_tel_and_mailto_links(self, logged_in, owner):
        contact = make_contact(owner, email="cabinet@example.org")
        page = _page(logged_in.get(reverse("agenda:contact", args=[contact.code])))
        assert 'href="tel:+33612345678"' in page
        assert 'href="mailto:cabinet@example.org"' in page

    def test_an_empty_list_says_what_to_do(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:contacts")))
        assert _fr("Add a contact") in page
        assert reverse("agenda:contact_create") in page

    def test_edit_keeps_what_is_typed_on_error_then_saves(self, logged_in, owner):
        contact = make_contact(owner)
        url = reverse("agenda:contact_edit", args=[contact.code])
        assert 'value="+33612345678"' in _page(logged_in.get(url))
        response = logged_in.post(url, {**CONTACT, "name": "Nouveau nom", "phone": "00"})
        assert response.status_code == 200
        assert 'value="Nouveau nom"' in _page(response)
        contact.refresh_from_db()
        assert contact.name == "Mme Exemple"

        response = logged_in.post(url, {**CONTACT, "name": "Nouveau nom"})
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.name == "Nouveau nom"
        entry = JournalEntry.objects.filter(beneficiary=owner).last()
        assert entry.action == JournalEntry.Action.ITEM_CHANGED
        # The journal names what changed, never the values.
        assert "name" in entry.details["fields"]
        assert "Le mardi matin" not in str(entry.details)

    def test_saving_unchanged_journals_nothing(self, logged_in, owner):
        contact = make_contact(owner, **{k: v for k, v in CONTACT.items() if k != "visibility"})
        Contact.objects.filter(pk=contact.pk).update(phone="+33612345678")
        before = JournalEntry.objects.count()
        logged_in.post(reverse("agenda:contact_edit", args=[contact.code]), CONTACT)
        assert JournalEntry.objects.count() == before

    def test_delete_asks_then_deletes(self, logged_in, owner):
        contact = make_contact(owner)
        url = reverse("agenda:contact_delete", args=[contact.code])
        assert logged_in.get(url).status_code == 200
        assert Contact.objects.filter(pk=contact.pk).exists()
        response = logged_in.post(url)
        assert response["Location"] == reverse("agenda:contacts")
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert _actions(owner)[-1] == JournalEntry.Action.ITEM_DELETED

    def test_sharing_is_journaled_both_ways(self, logged_in, owner):
        contact = make_contact(owner)
        url = reverse("agenda:contact_visibility", args=[contact.code])
        logged_in.post(url, {"visibility": "shared", "next": "list"})
        contact.refresh_from_db()
        assert contact.is_shared
        logged_in.post(url, {"visibility": "private"})
        contact.refresh_from_db()
        assert not contact.is_shared
        assert _actions(owner)[-2:] == [JournalEntry.Action.SHARED, JournalEntry.Action.UNSHARED]

    def test_the_vcard_download(self, logged_in, owner):
        contact = make_contact(owner, name="Dr Exemple, généraliste", organisation="Centre; santé")
        response = logged_in.get(reverse("agenda:contact_download", args=[contact.code]))
        assert response["Content-Type"] == "text/vcard; charset=utf-8"
        assert response["Cache-Control"] == "no-store"
        card = response.content.decode()
        assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
        assert "FN:Dr Exemple\\, généraliste\r\n" in card
        assert "ORG:Centre\\; santé\r\n" in card
        assert "TEL;TYPE=VOICE:+33612345678\r\n" in card
        assert card.endswith("END:VCARD\r\n")


APPOINTMENT = {
    "title": "Rendez-vous CAF",
    "date": "2026-03-24",
    "start_time": "14:30",
    "end_time": "15:15",
    "place": "2 rue de l'Exemple, 75000 Paris",
    "with_whom": "Mme Conseillère",
    "note": "Apporter l'attestation",
    "reminders": ["day_before", "two_hours"],
    "visibility": "private",
}


class TestAppointmentCreate:
    def test_the_new_form_has_the_default_reminders_ticked(self, logged_in, owner):
        page = _page(logged_in.get(reverse("agenda:appointment_create")))
        checked = [o for o in Reminder.Offset if _is_checked(page, "reminders", o.value)]
        assert checked == list(DEFAULT_OFFSETS)

    def test_it_stores_the_local_time_and_makes_the_reminders(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:appointment_create"), APPOINTMENT)
        assert response.status_code == 302
        appointment = Appointment.objects.get(owner=owner)
        assert response["Location"] == reverse("agenda:appointment", args=[appointment.code])
        # 24 March 2026 is still winter time in Paris: UTC+1.
        assert appointment.starts_at == datetime.datetime(2026, 3, 24, 13, 30, tzinfo=datetime.UTC)
        assert appointment.ends_at == datetime.datetime(2026, 3, 24, 14, 15, tzinfo=datetime.UTC)
        assert sorted(appointment.reminders.values_list("offset", flat=True)) == [
            "day_before",
            "two_hours",
        ]
        assert _actions(owner)[-1] == JournalEntry.Action.ITEM_ADDED

    def test_summer_time_is_taken_into_account(self, logged_in, owner):
        logged_in.post(
            reverse("agenda:appointment_create"),
            {**APPOINTMENT, "date": "2026-03-30", "start_time": "09:00", "end_time": ""},
        )
        appointment = Appointment.objects.get(owner=owner)
        assert appointment.starts_at == datetime.datetime(2026, 3, 30, 7, 0, tzinfo=datetime.UTC)
        assert appointment.ends_at is None

    def test_a_time_skipped_by_the_clock_change_is_refused(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:appointment_create"),
            {**APPOINTMENT, "date": "2026-03-29", "start_time": "02:30", "end_time": ""},
        )
        assert response.status_code == 200
        assert _fr("This time does not exist that day: the clocks change.") in _page(response)
        assert not Appointment.objects.exists()

    def test_an_end_before_the_start_is_refused_and_everything_is_kept(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:appointment_create"), {**APPOINTMENT, "end_time": "14:00"}
        )
        assert response.status_code == 200
        page = _page(response)
        assert _fr("The end must be after the start.") in page
        assert 'value="Rendez-vous CAF"' in page
        assert 'value="2026-03-24"' in page and 'value="14:30"' in page
        assert "Apporter l'attestation" in page
        assert _is_checked(page, "reminders", "day_before")
        assert not _is_checked(page, "reminders", "one_hour")
        assert not Appointment.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("date", ""), ("date", "31/02/2026"), ("start_time", ""), ("start_time", "25:00")],
    )
    def test_a_missing_or_wrong_date_or_time_is_refused(self, logged_in, owner, field, value):
        response = logged_in.post(
            reverse("agenda:appointment_create"), {**APPOINTMENT, field: value}
        )
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_french_date_is_understood_too(self, logged_in, owner):
        logged_in.post(reverse("agenda:appointment_create"), {**APPOINTMENT, "date": "24/03/2026"})
        assert Appointment.objects.get(owner=owner).starts_at.date() == datetime.date(2026, 3, 24)

    def test_a_past_date_is_saved_with_a_warning(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:appointment_create"), {**APPOINTMENT, "date": "2026-03-02"}, follow=True
        )
        assert Appointment.objects.filter(owner=owner).exists()
        assert _fr("This appointment is in the past. If the date is wrong, change it.") in _page(
            response
        )

    def test_a_future_date_has_no_warning(self, logged_in, owner):
        response = logged_in.post(reverse("agenda:appointment_create"), APPOINTMENT, follow=True)
        assert _fr("This appointment is in the past. If the date is wrong, change it.") not in (
            _page(response)
        )

    def test_no_reminder_is_a_choice(self, logged_in, owner):
        data = {k: v for k, v in APPOINTMENT.items() if k != "reminders"}
        logged_in.post(reverse("agenda:appointment_create"), data)
        assert not Reminder.objects.exists()


class TestAppointmentPages:
    def test_the_person_sees_which_reminders_were_sent(self, logged_in, owner):
        from agenda.models import Delivery

        appointment = make_appointment(owner, offsets=["day_before", "two_hours"])
        appointment.reminders.filter(offset="day_before").update(status=Delivery.SENT)
        page = _page(logged_in.get(reverse("agenda:appointment", args=[appointment.code])))
        assert f"{_fr('the day before at 10:00')} ({_fr('sent')})" in page
        assert f"{_fr('2 hours before')} (" not in page  # still to come: no status

    def test_the_detail_opens_maps_and_shows_the_place_as_text(self, logged_in, owner):
        appointment = make_appointment(
            owner, place="2 rue de l'Exemple, 75000 Paris", offsets=["day_before"]
        )
        page = _page(logged_in.get(reverse("agenda:appointment", args=[appointment.code])))
        assert 'href="geo:0,0?q=2%20rue%20de%20l%27Exemple%2C%2075000%20Paris"' in page
        assert "2 rue de l'Exemple, 75000 Paris" in page  # the plain text, to copy or read
        assert _fr("the day before at 10:00") in page
        assert reverse("agenda:appointment_download", args=[appointment.code]) in page

    def test_on_an_iphone_the_map_link_is_apple_maps(self, logged_in, owner):
        appointment = make_appointment(owner, place="2 rue de l'Exemple, 75000 Paris")
        iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15"
        page = _page(
            logged_in.get(
                reverse("agenda:appointment", args=[appointment.code]), HTTP_USER_AGENT=iphone
            )
        )
        assert 'href="https://maps.apple.com/?q=2%20rue%20de%20l%27Exemple%2C%2075000%20Paris"' in (
            page
        )

    def test_no_place_no_map_link(self, logged_in, owner):
        appointment = make_appointment(owner, place="")
        page = _page(logged_in.get(reverse("agenda:appointment", args=[appointment.code])))
        assert "geo:" not in page

    def test_edit_shows_the_local_time_and_the_chosen_reminders(self, logged_in, owner):
        appointment = make_appointment(
            owner, starts_at=paris(2026, 10, 26, 9, 15), offsets=["week_before"]
        )
        page = _page(logged_in.get(reverse("agenda:appointment_edit", args=[appointment.code])))
        assert 'value="2026-10-26"' in page and 'value="09:15"' in page
        assert _is_checked(page, "reminders", "week_before")
        assert not _is_checked(page, "reminders", "day_before")

    def test_edit_moves_the_reminders_with_the_time(self, logged_in, owner):
        appointment = make_appointment(
            owner, starts_at=paris(2026, 4, 20, 9, 0), offsets=["two_hours"]
        )
        response = logged_in.post(
            reverse("agenda:appointment_edit", args=[appointment.code]),
            {
                **APPOINTMENT,
                "date": "2026-04-21",
                "start_time": "11:00",
                "end_time": "",
                "reminders": ["two_hours", "one_hour"],
            },
        )
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.starts_at == paris(2026, 4, 21, 11, 0)
        due = dict(appointment.reminders.values_list("offset", "due_at"))
        assert due == {"two_hours": paris(2026, 4, 21, 9, 0), "one_hour": paris(2026, 4, 21, 10, 0)}
        entry = JournalEntry.objects.filter(beneficiary=owner).last()
        assert entry.action == JournalEntry.Action.ITEM_CHANGED
        assert "starts_at" in entry.details["fields"] and "reminders" in entry.details["fields"]

    def test_changing_a_past_appointment_warns_only_if_its_date_changes(self, logged_in, owner):
        appointment = make_appointment(owner, starts_at=paris(2026, 3, 2, 9, 0))
        url = reverse("agenda:appointment_edit", args=[appointment.code])
        warning = _fr("This appointment is in the past. If the date is wrong, change it.")
        data = {**APPOINTMENT, "date": "2026-03-02", "start_time": "09:00", "end_time": ""}
        assert warning not in _page(logged_in.post(url, {**data, "note": "Fait"}, follow=True))
        assert warning in _page(logged_in.post(url, {**data, "date": "2026-03-03"}, follow=True))

    def test_delete_removes_its_reminders(self, logged_in, owner):
        appointment = make_appointment(owner, offsets=list(DEFAULT_OFFSETS))
        logged_in.post(reverse("agenda:appointment_delete", args=[appointment.code]))
        assert not Appointment.objects.exists() and not Reminder.objects.exists()


class TestNotes:
    def test_create_edit_delete(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:note_create"),
            {"title": "", "text": "Code de la porte: 1234 (fictif)", "visibility": "private"},
        )
        assert response["Location"] == reverse("agenda:notes")
        note = Note.objects.get(owner=owner)
        page = _page(logged_in.get(reverse("agenda:notes")))
        assert "Code de la porte" in page
        logged_in.post(
            reverse("agenda:note_edit", args=[note.code]),
            {"title": "Porte", "text": "Code: 5678 (fictif)"},
        )
        note.refresh_from_db()
        assert (note.title, note.text) == ("Porte", "Code: 5678 (fictif)")
        logged_in.post(reverse("agenda:note_delete", args=[note.code]))
        assert not Note.objects.exists()
        assert _actions(owner)[-3:] == ["item_added", "item_changed", "item_deleted"]

    def test_an_empty_note_is_refused_and_the_title_kept(self, logged_in, owner):
        response = logged_in.post(
            reverse("agenda:note_create"), {"title": "Mon titre", "text": "  ", "visibility": ""}
        )
        assert response.status_code == 200
        page = _page(response)
        assert _fr("Write something in the note.") in page
        assert 'value="Mon titre"' in page
        assert not Note.objects.exists()

    def test_the_text_file_download(self, logged_in, owner):
        note = make_note(owner, title="Dossier", text="ligne 1\nligne 2")
        response = logged_in.get(reverse("agenda:note_download", args=[note.code]))
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == "Dossier\r\n\r\nligne 1\r\nligne 2\r\n"
        assert 'filename="dossier.txt"' in response["Content-Disposition"]


# --- A professional, on the person's behalf. -------------------------------------------------


@pytest.fixture
def pro(client, world):
    force_login_verified(client, world.professional)
    return client


class TestProfessional:
    @pytest.mark.parametrize(
        ("kind", "data"),
        [
            ("contact", {**CONTACT, "visibility": "private"}),
            ("appointment", {**APPOINTMENT, "visibility": "private"}),
            ("note", {"title": "Suivi", "text": "Dossier RSA déposé (fictif)"}),
        ],
    )
    def test_it_creates_shared_items_journaled_with_the_structure(self, pro, world, kind, data):
        url = reverse(f"agenda:{kind}_create_for", args=[world.beneficiary.code])
        page = _page(pro.get(url))
        assert world.beneficiary.full_name in page
        assert 'name="visibility"' not in page  # only the owner chooses privacy
        response = pro.post(url, data)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "structures:beneficiary", args=[world.beneficiary.code]
        )
        model = {"contact": Contact, "appointment": Appointment, "note": Note}[kind]
        item = model.objects.get(owner=world.beneficiary)
        assert item.visibility == Visibility.SHARED
        assert item.created_by == world.professional
        entry = JournalEntry.objects.for_beneficiary(world.beneficiary).first()
        assert (entry.action, entry.actor, entry.structure, entry.item_code) == (
            JournalEntry.Action.ITEM_ADDED,
            world.professional,
            world.structure,
            item.code,
        )

    def test_the_person_page_lists_shared_items_only(self, pro, world):
        owner = world.beneficiary
        make_contact(owner, name="Contact partagé", visibility=Visibility.SHARED)
        make_contact(owner, name="Contact privé")
        make_appointment(
            owner, title="RDV partagé", visibility=Visibility.SHARED, starts_at=paris(2026, 4, 1, 9)
        )
        make_appointment(owner, title="RDV privé", starts_at=paris(2026, 4, 1, 10))
        make_appointment(
            owner, title="RDV passé", visibility=Visibility.SHARED, starts_at=paris(2026, 3, 1, 9)
        )
        make_note(owner, title="Note partagée", visibility=Visibility.SHARED)
        make_note(owner, title="Note privée")
        page = _page(pro.get(reverse("structures:beneficiary", args=[owner.code])))
        for shown in ("Contact partagé", "RDV partagé", "Note partagée"):
            assert shown in page
        for hidden in ("Contact privé", "RDV privé", "Note privée", "RDV passé"):
            assert hidden not in page
        for kind in ("contact", "appointment", "note"):
            assert reverse(f"agenda:{kind}_create_for", args=[owner.code]) in page

    def test_looking_is_journaled_the_owner_looking_is_not(self, client, world):
        contact = make_contact(world.beneficiary, visibility=Visibility.SHARED)
        force_login_verified(client, world.owner)
        before = JournalEntry.objects.count()
        client.get(reverse("agenda:contact", args=[contact.code]))
        client.get(reverse("agenda:contact_download", args=[contact.code]))
        assert JournalEntry.objects.count() == before
        force_login_verified(client, world.professional)
        client.get(reverse("agenda:contact", args=[contact.code]))
        entry = JournalEntry.objects.for_beneficiary(world.beneficiary).first()
        assert (entry.action, entry.actor, entry.structure) == (
            JournalEntry.Action.ITEM_VIEWED,
            world.professional,
            world.structure,
        )

    def test_it_edits_what_it_created_not_what_the_person_did(self, pro, world):
        mine = make_note(world.beneficiary, created_by=world.professional, visibility="shared")
        theirs = make_note(world.beneficiary, visibility="shared")
        data = {"title": "Changé", "text": "Changé"}
        assert pro.post(reverse("agenda:note_edit", args=[mine.code]), data).status_code == 302
        assert pro.post(reverse("agenda:note_edit", args=[theirs.code]), data).status_code == 403
        assert pro.get(reverse("agenda:note_edit", args=[theirs.code])).status_code == 403
        page = _page(pro.get(reverse("agenda:note", args=[theirs.code])))
        assert reverse("agenda:note_edit", args=[theirs.code]) not in page
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert (mine.title, theirs.title) == ("Changé", "Numéro de dossier")
        changed = JournalEntry.objects.filter(action=JournalEntry.Action.ITEM_CHANGED).get()
        assert (changed.item_code, changed.actor, changed.structure) == (
            mine.code,
            world.professional,
            world.structure,
        )

    def test_the_owner_sees_who_added_it(self, client, world):
        note = make_note(world.beneficiary, created_by=world.professional, visibility="shared")
        force_login_verified(client, world.owner)
        page = _page(client.get(reverse("agenda:note", args=[note.code])))
        assert world.professional.display_name in page

    def test_a_professional_has_no_agenda_of_their_own(self, pro, world):
        for name in ("calendar", "month_now", "contacts", "notes", "settings"):
            assert pro.get(reverse(f"agenda:{name}")).status_code == 404
        assert pro.post(reverse("agenda:note_create"), {"text": "x"}).status_code == 404
        assert not Note.objects.exists()

    def test_another_structure_cannot_create(self, client, world):
        force_login_verified(client, world.other_professional)
        url = reverse("agenda:note_create_for", args=[world.beneficiary.code])
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "x"}).status_code == 404
        assert not Note.objects.exists()


def _is_checked(page: str, name: str, value: str) -> bool:
    """Whether the checkbox/radio (name, value) is ticked in the page."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


# --- Cost: the lists do not grow with the number of items. ------------------------------------


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(owner, n: int, created_by=None) -> None:
    for i in range(n):
        shared = Visibility.SHARED if i % 2 == 0 else Visibility.PRIVATE
        make_contact(owner, name=f"Contact {i}", visibility=shared, created_by=created_by)
        make_note(owner, title=f"Note {i}", visibility=shared, created_by=created_by)
        make_appointment(
            owner,
            title=f"RDV {i}",
            # From the day before "now" on: some past, some coming, whatever n.
            starts_at=paris(2026, 3, 9, 8) + datetime.timedelta(hours=5 * i),
            visibility=shared,
            offsets=["day_before"],
            created_by=created_by,
        )


class TestConstantQueries:
    @pytest.mark.parametrize(
        "url",
        [
            reverse("agenda:contacts"),
            reverse("agenda:notes"),
            reverse("agenda:calendar"),
            reverse("agenda:calendar") + "?past=1",
            reverse("agenda:month", args=[2026, 3]),
            reverse("agenda:month", args=[2026, 4]),
        ],
    )
    def test_the_owner_lists(self, client, url):
        counts = []
        for n in (5, 50):
            owner = BeneficiaryFactory()
            _fill(owner, n)
            force_login_verified(client, owner.user)
            counts.append(_count(client, url))
        assert counts[0] == counts[1], counts

    def test_the_professional_page_of_a_person(self, client, world):
        counts = []
        for n in (5, 50):
            owner = BeneficiaryFactory()
            AffiliationFactory(beneficiary=owner, structure=world.structure)
            _fill(owner, n)
            force_login_verified(client, world.professional)
            url = reverse("structures:beneficiary", args=[owner.code])
            page = _page(client.get(url))
            last_shared = n - 1 - (n - 1) % 2  # even numbers are shared
            assert f"Contact {last_shared}" in page and f"Note {last_shared}" in page
            assert f"Contact {last_shared - 1}" not in page
            counts.append(_count(client, url))
        assert counts[0] == counts[1], counts


class TestMethods:
    @pytest.mark.parametrize("kind", ["contact", "appointment", "note"])
    def test_sharing_refuses_get(self, logged_in, owner, kind):
        item = {"contact": make_contact, "appointment": make_appointment, "note": make_note}[kind](
            owner
        )
        url = reverse(f"agenda:{kind}_visibility", args=[item.code])
        assert logged_in.get(url).status_code == 405
        item.refresh_from_db()
        assert not item.is_shared

    def test_anonymous_is_sent_to_log_in(self, client, owner):
        note = make_note(owner)
        for url in (
            reverse("agenda:calendar"),
            reverse("agenda:note", args=[note.code]),
            reverse("agenda:note_create"),
        ):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
