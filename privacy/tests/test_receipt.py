"""The deposit receipt: a real PDF with the SHA-256, for whoever may view the paper."""

import hashlib
import io
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from django.test import TestCase
from django.urls import reverse

from journal.models import JournalEntry
from tests.auth import force_login_verified
from tests.factories import make_document
from vault import services
from vault.specimens import text_pdf

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Paris")

CONTENT = text_pdf(["SPECIMEN ATTESTATION"])
SHA = hashlib.sha256(CONTENT).hexdigest()


def _receipt(client, document):
    return client.get(reverse("privacy:receipt", args=[document.code]))


def _text(pdf: bytes, tmp_path) -> str:
    """The text as a reader sees it (poppler's pdftotext), when installed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


class TestContent:
    def test_it_is_a_one_page_pdf_with_the_sha256_in_its_text(self, logged_in, owner):
        document = make_document(owner, title="Attestation CSS", content=CONTENT)
        response = _receipt(logged_in, document)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        pdf = response.content
        with pikepdf.open(io.BytesIO(pdf)) as parsed:
            assert len(parsed.pages) == 1
        # Uncompressed pages: the fingerprint is plain text in the file (Courier, a standard font).
        assert f"({SHA}) Tj".encode() in pdf
        assert str(document.code).encode() in pdf

    def test_it_says_what_by_whom_and_when_in_french(self, logged_in, owner, tmp_path):
        document = make_document(owner, title="Attestation CSS", content=CONTENT)
        text = _text(_receipt(logged_in, document).content, tmp_path)
        for expected in [
            "Reçu de dépôt",
            "Attestation CSS",
            "Autre",  # the kind of paper
            f"{owner.user.display_name}, la personne à qui appartient ce coffre",
            "(heure de Paris)",
            f"({len(CONTENT)} octets)",
            "application/pdf",
            SHA,
            str(document.code),
        ]:
            assert expected in text, expected
        local = document.file.created_at.astimezone(ZONE)
        assert local.strftime("%H:%M:%S") in text

    def test_a_professional_deposit_names_the_structure(self, client, world, tmp_path):
        with TestCase.captureOnCommitCallbacks(execute=True):
            document = services.add_document(
                world.beneficiary,
                world.professional,
                "css.pdf",
                [CONTENT],
                visibility="shared",
                structure=world.structure,
            )
        force_login_verified(client, world.owner)
        text = _text(_receipt(client, document).content, tmp_path)
        assert f"{world.professional.display_name}, travailleur social à Relais A" in text

    def test_it_renders(self, logged_in, owner, tmp_path):
        if shutil.which("pdftoppm") is None:
            pytest.skip("pdftoppm (poppler-utils) not installed")
        document = make_document(owner, content=CONTENT)
        path = tmp_path / "receipt.pdf"
        path.write_bytes(_receipt(logged_in, document).content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page")], check=True
        )
        image = (tmp_path / "page-1.png").read_bytes()
        assert image.startswith(b"\x89PNG")

    def test_the_fingerprint_is_computed_while_processing_has_not_run(self, logged_in, owner):
        document = make_document(owner, content=CONTENT)
        type(document.file).objects.filter(pk=document.file.pk).update(sha256="")
        assert f"({SHA}) Tj".encode() in _receipt(logged_in, document).content

    def test_a_damaged_paper_not_yet_hashed_gets_no_fingerprint(self, logged_in, owner, blob_dir):
        document = make_document(owner, content=CONTENT)
        type(document.file).objects.filter(pk=document.file.pk).update(sha256="")
        path = blob_dir / document.file.storage_key
        data = bytearray(path.read_bytes())
        data[-40] ^= 0xFF
        path.write_bytes(bytes(data))
        response = _receipt(logged_in, document)
        assert response.status_code == 500
        assert SHA.encode() not in response.content

    def test_headers_as_every_file_that_leaves(self, logged_in, owner):
        response = _receipt(logged_in, make_document(owner, title="Carte Vitale"))
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            "attachment; filename=\"recu-carte-vitale.pdf\"; filename*=UTF-8''recu-carte-vitale.pdf"
        )


class TestWhoCan:
    def test_a_professional_of_the_relais_gets_it_for_a_shared_paper_journaled(self, client, world):
        document = make_document(world.beneficiary, visibility="shared")
        force_login_verified(client, world.professional)
        assert _receipt(client, document).status_code == 200
        entry = JournalEntry.objects.get(action="receipt_downloaded")
        assert entry.actor == world.professional and entry.structure_name == "Relais A"
        assert entry.item_code == document.code

    def test_the_owner_is_not_journaled(self, logged_in, owner):
        _receipt(logged_in, make_document(owner))
        assert not JournalEntry.objects.filter(action="receipt_downloaded").exists()

    @pytest.mark.parametrize(
        "actor",
        [
            "professional",
            "other_professional",
            "former_member",
            "professional_affiliation_ended",
            "staff",
        ],
    )
    def test_everyone_else_gets_404_for_a_private_paper(self, client, world, actor):
        document = make_document(world.beneficiary)
        force_login_verified(client, getattr(world, actor))
        assert _receipt(client, document).status_code == 404

    @pytest.mark.parametrize(
        "actor", ["other_professional", "former_member", "professional_affiliation_ended", "staff"]
    )
    def test_outsiders_get_404_for_a_shared_paper(self, client, world, actor):
        document = make_document(world.beneficiary, visibility="shared")
        force_login_verified(client, getattr(world, actor))
        assert _receipt(client, document).status_code == 404
        force_login_verified(client, world.stranger_beneficiary.user)
        assert _receipt(client, document).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, owner):
        response = _receipt(client, make_document(owner))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_wrong_method(self, logged_in, owner):
        document = make_document(owner)
        response = logged_in.post(reverse("privacy:receipt", args=[document.code]))
        assert response.status_code == 405

    def test_the_document_page_links_to_it(self, logged_in, owner):
        document = make_document(owner)
        page = logged_in.get(reverse("vault:document", args=[document.code])).content.decode()
        assert reverse("privacy:receipt", args=[document.code]) in page
        assert "Reçu de dépôt" in page
