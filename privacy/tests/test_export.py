"""Everything in one ZIP: through the real view, re-authenticated, streamed, checkable."""

import csv
import hashlib
import io
import json
import os
import time
import tracemalloc
import zipfile

import pytest
from django.test import TestCase
from django.urls import reverse
from icalendar import Calendar
from PIL import Image

from agenda.tests.factories import make_appointment, make_contact, make_note, paris
from journal.models import JournalEntry
from privacy import reauth
from privacy.export import clean_name
from tests.auth import force_login_verified
from tests.factories import PASSWORD, BeneficiaryFactory, make_document
from vault import services
from vault.models import Blob
from vault.specimens import card_image, text_pdf

pytestmark = pytest.mark.django_db


def _confirm(client, password=PASSWORD):
    return client.post(reverse("privacy:export"), {"password": password})


def _download(client) -> zipfile.ZipFile:
    response = client.get(reverse("privacy:export_download"))
    assert response.status_code == 200, response
    assert response.streaming
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    return zipfile.ZipFile(io.BytesIO(data))


def _noise_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


class TestRoundTrip:
    def test_every_file_hash_and_size_checks_out(self, logged_in, owner, world):
        folder = services.create_folder(owner, owner.user, "Santé")
        originals = {
            "Santé/Carte d'identité (original 1).png": card_image(["CARTE D'IDENTITE", "SPECIMEN"]),
            "Santé/Attestation.pdf": text_pdf(["SPECIMEN 1"]),
            "Attestation.pdf": text_pdf(["SPECIMEN 2"]),
            "attestation (2).pdf": text_pdf(["SPECIMEN 3"]),
            "a_b.pdf": text_pdf(["SPECIMEN 4"]),
        }
        make_document(
            owner,
            title="Carte d'identité",
            content=originals["Santé/Carte d'identité (original 1).png"],
            folder=folder,
        )
        make_document(
            owner, title="Attestation", content=originals["Santé/Attestation.pdf"], folder=folder
        )
        make_document(owner, title="Attestation", content=originals["Attestation.pdf"])
        make_document(owner, title="attestation", content=originals["attestation (2).pdf"])
        make_document(owner, title="a/b", content=originals["a_b.pdf"])
        stranger = make_document(BeneficiaryFactory(), title="Pas à moi")

        assert _confirm(logged_in).status_code == 302
        archive = _download(logged_in)
        assert archive.testzip() is None  # every CRC checks
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        # The photo's paper is the clean PDF made of it; the photo is beside it, as sent.
        made = "Santé/Carte d'identité.pdf"
        assert names == {*originals, made, "journal.csv", "manifest.json"}
        assert {paper["path"] for paper in manifest["papers"]} == {*originals, made}
        for paper in manifest["papers"]:
            content = archive.read(paper["path"])
            assert (
                content == originals[paper["path"]]
                if paper["path"] != made
                else (content.startswith(b"%PDF") and not paper["original"])
            )
            assert hashlib.sha256(content).hexdigest() == paper["sha256"]
            assert len(content) == paper["size"]
            document = owner.documents.get(code=paper["code"])
            if paper["path"] != made:
                deposit = document.originals.get().blob
                assert paper["sha256"] == deposit.sha256
                assert paper["size"] == deposit.size
            assert paper["depositor"] == owner.user.display_name
            assert paper["depositor_kind"] == "beneficiary"
            assert paper["deposited_at"].startswith(str(document.file.created_at.year))
        assert stranger.title not in json.dumps(manifest, ensure_ascii=False)
        # Nothing Coffre keeps is left out; no agenda item: no agenda file.
        assert manifest["not_included"] == []
        assert (manifest["contacts"], manifest["appointments"], manifest["notes"]) == (
            None,
            None,
            [],
        )
        assert manifest["account"]["code"] == str(owner.code)
        assert manifest["account"]["last_name"] == owner.last_name
        journal = archive.read("journal.csv")
        assert manifest["journal"]["sha256"] == hashlib.sha256(journal).hexdigest()
        assert manifest["journal"]["size"] == len(journal)

    def test_a_paper_added_by_a_social_worker_names_them_and_their_structure(self, client, world):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.add_document(  # as the upload view does for a professional
                world.beneficiary,
                world.professional,
                "caf.pdf",
                [text_pdf(["SPECIMEN"])],
                visibility="shared",
                structure=world.structure,
            )
        force_login_verified(client, world.owner)
        _confirm(client)
        paper = json.loads(_download(client).read("manifest.json"))["papers"][0]
        assert paper["depositor"] == world.professional.display_name
        assert paper["depositor_kind"] == "professional"
        assert paper["structure"] == "Relais A"

    def test_the_journal_is_the_whole_chain_with_a_header(self, logged_in, owner):
        make_document(owner, title='=HYPERLINK("http://evil")')
        _confirm(logged_in)
        archive = _download(logged_in)
        rows = list(csv.reader(io.StringIO(archive.read("journal.csv").decode("utf-8-sig"))))
        assert rows[0][:6] == ["seq", "date", "actor", "actor_kind", "structure", "action"]
        entries = list(JournalEntry.objects.filter(beneficiary=owner).order_by("seq"))
        assert [int(row[0]) for row in rows[1:]] == [entry.seq for entry in entries]
        assert [row[-1] for row in rows[1:]] == [entry.entry_hash for entry in entries]
        # This download is in the journal, and in the file.
        assert rows[-1][5] == "export_downloaded"
        # A title that looks like a formula stays text in a spreadsheet.
        uploaded = next(row for row in rows if row[5] == "document_uploaded")
        assert uploaded[8].startswith("'=")

    def test_an_empty_vault_still_gives_the_account_and_journal(self, logged_in, owner):
        _confirm(logged_in)
        archive = _download(logged_in)
        assert set(archive.namelist()) == {"journal.csv", "manifest.json"}

    def test_memory_stays_flat_whatever_the_size(self, logged_in, owner):
        for number in range(3):
            make_document(owner, title=f"Photo {number}", content=_noise_png(1200))
        # The originals as sent (incompressible noise) and the PDFs made of them.
        total = Blob.objects.filter(owner=owner).exclude(thumbnail_of__isnull=False).total_size()
        assert total > 12_000_000
        _confirm(logged_in)
        response = logged_in.get(reverse("privacy:export_download"))
        received = 0
        tracemalloc.start()
        try:
            for chunk in response.streaming_content:
                received += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert received == int(response["Content-Length"]) > total
        assert peak < 5_000_000, f"peak {peak} bytes for {total} bytes of papers"


class TestAgenda:
    def test_contacts_appointments_and_notes_are_files_phones_open(self, logged_in, owner):
        contact = make_contact(owner, name="Dr Exemple", phone="+33123456789")
        make_contact(owner, name="115", phone="115", visibility="shared")
        appointment = make_appointment(
            owner, title="CAF", starts_at=paris(2026, 10, 26, 9, 30), offsets=["day_before"]
        )
        make_note(owner, title="Porte", text="Code 1234 (fictif)")
        make_note(owner, title="Porte", text="Autre code (fictif)")
        make_note(owner, title="", text="Sans titre (fictif)")
        make_document(
            owner, title="Attestation", folder=services.create_folder(owner, owner.user, "notes")
        )
        stranger = BeneficiaryFactory()
        make_contact(stranger, name="Pas à moi")
        make_appointment(stranger, title="Pas à moi")
        make_note(stranger, title="Pas à moi")

        _confirm(logged_in)
        archive = _download(logged_in)
        names = set(archive.namelist())
        assert {
            "contacts.vcf",
            "agenda.ics",
            "notes/Porte.txt",
            "notes/Porte (2).txt",
            "notes/Sans titre (fictif).txt",
            "notes/Attestation.pdf",  # the folder named "notes" shares the directory
        } <= names
        manifest = json.loads(archive.read("manifest.json"))
        assert "Pas à moi" not in json.dumps(manifest, ensure_ascii=False)
        for name in names - {"manifest.json", "journal.csv"}:
            assert b"Pas \xc3\xa0 moi" not in archive.read(name)

        cards = archive.read("contacts.vcf").decode()
        assert cards.count("BEGIN:VCARD") == 2
        assert f"UID:{contact.code}" in cards and "TEL;TYPE=VOICE:+33123456789" in cards
        assert manifest["contacts"]["count"] == 2
        assert manifest["contacts"]["sha256"] == hashlib.sha256(cards.encode()).hexdigest()

        calendar = Calendar.from_ical(archive.read("agenda.ics"))
        (event,) = calendar.events
        assert str(event["UID"]) == str(appointment.code)
        assert event.start == paris(2026, 10, 26, 9, 30)
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert len(calendar.walk("VALARM")) == 1
        assert manifest["appointments"]["items"][0]["code"] == str(appointment.code)

        assert archive.read("notes/Porte.txt").decode() == "Porte\r\n\r\nCode 1234 (fictif)\r\n"
        notes = {note["path"]: note for note in manifest["notes"]}
        assert set(notes) == {
            "notes/Porte.txt",
            "notes/Porte (2).txt",
            "notes/Sans titre (fictif).txt",
        }
        for path, note in notes.items():
            assert note["sha256"] == hashlib.sha256(archive.read(path)).hexdigest()
            assert note["added_by_kind"] == "beneficiary"
        assert archive.testzip() is None


class TestNames:
    @pytest.mark.parametrize(
        ("title", "expected"),
        [
            ("Carte d'identité", "Carte d'identité"),
            ("../../etc/passwd", "_.._etc_passwd"),
            ('a:b*c?"d<e>f|g\\h', "a_b_c_d_e_f_g_h"),
            ("  . ", "document"),
            ("CON", "_CON"),
            ("x" * 300, "x" * 100),
        ],
    )
    def test_names_work_on_any_computer(self, title, expected):
        assert clean_name(title) == expected


class TestReauthentication:
    def test_the_page_asks_for_the_password(self, logged_in, owner):
        make_document(owner)
        page = logged_in.get(reverse("privacy:export")).content.decode()
        assert 'type="password"' in page and "Récupérer tous mes papiers" in page

    def test_without_it_the_download_sends_back_to_the_password(self, logged_in):
        response = logged_in.get(reverse("privacy:export_download"))
        assert response.status_code == 302 and response["Location"] == reverse("privacy:export")

    def test_a_wrong_password_gives_nothing(self, logged_in, owner):
        response = _confirm(logged_in, "wrong")
        assert response.status_code == 200
        assert "Ce n’est pas votre mot de passe" in response.content.decode()
        assert logged_in.get(reverse("privacy:export_download")).status_code == 302
        assert not JournalEntry.objects.filter(action="export_downloaded").exists()

    def test_it_lasts_a_few_minutes_only(self, logged_in):
        _confirm(logged_in)
        session = logged_in.session
        session[reauth.SESSION_KEY] = time.time() - reauth.REAUTH_MAX_AGE - 1
        session.save()
        response = logged_in.get(reverse("privacy:export_download"))
        assert response.status_code == 302

    def test_within_the_few_minutes_a_failed_download_can_be_retried(self, logged_in):
        _confirm(logged_in)
        _download(logged_in)
        page = logged_in.get(reverse("privacy:export")).content.decode()
        assert reverse("privacy:export_download") in page
        _download(logged_in)


class TestJournalAndHeaders:
    def test_it_is_journaled_and_never_cached(self, logged_in, owner):
        _confirm(logged_in)
        response = logged_in.get(reverse("privacy:export_download"))
        assert response["Content-Type"] == "application/zip"
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith('attachment; filename="coffre-')
        entry = JournalEntry.objects.get(beneficiary=owner, action="export_downloaded")
        assert entry.actor == owner.user


class TestWhoCan:
    @pytest.mark.parametrize("actor", ["professional", "admin", "other_professional", "staff"])
    def test_no_one_else_can_export_a_vault(self, client, world, actor):
        make_document(world.beneficiary, visibility="shared")
        user = getattr(world, actor)
        force_login_verified(client, user)
        assert client.get(reverse("privacy:export")).status_code == 404
        assert _confirm(client).status_code == 404
        session = client.session
        session[reauth.SESSION_KEY] = time.time()  # even with a fresh password check
        session.save()
        assert client.get(reverse("privacy:export_download")).status_code == 404
        assert not JournalEntry.objects.filter(action="export_downloaded").exists()

    def test_another_person_gets_only_their_own(self, client, world):
        make_document(world.beneficiary, title="À la personne")
        mine = make_document(world.stranger_beneficiary, title="À moi")
        force_login_verified(client, world.stranger_beneficiary.user)
        _confirm(client)
        manifest = json.loads(_download(client).read("manifest.json"))
        assert [paper["code"] for paper in manifest["papers"]] == [str(mine.code)]

    def test_anonymous_is_sent_to_login(self, client):
        for url in (reverse("privacy:export"), reverse("privacy:export_download")):
            response = client.get(url)
            assert response.status_code == 302 and "login" in response["Location"]

    def test_wrong_methods(self, logged_in):
        assert logged_in.post(reverse("privacy:export_download")).status_code == 405
        assert logged_in.put(reverse("privacy:export")).status_code == 405
