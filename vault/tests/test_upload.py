"""Bad input gets a clear message in the user's language and changes nothing."""

import contextlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from journal.models import JournalEntry
from tests.auth import force_login_verified
from vault.models import Blob, Document
from vault.specimens import card_image, text_pdf

UPLOAD_URL = "/coffre/upload/"


def _file(name: str, data: bytes) -> SimpleUploadedFile:
    # The browser's Content-Type is deliberately wrong: only the content decides.
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _stored_files(blob_dir: Path) -> list[Path]:
    return [path for path in blob_dir.rglob("*") if path.is_file()]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG")
    return out.getvalue()


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "WEBP")
    return out.getvalue()


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "HEIF")
    return out.getvalue()


class TestAcceptedTypes:
    @pytest.mark.parametrize(
        ("name", "make", "media_type"),
        [
            ("a.pdf", lambda: text_pdf(["SPECIMEN"]), "application/pdf"),
            ("b.png", lambda: card_image(["SPECIMEN"]), "image/png"),
            ("c.jpg", _jpeg, "image/jpeg"),
            ("d.webp", _webp, "image/webp"),
            ("e.heic", _heic, "image/heic"),
        ],
    )
    def test_it_stores_each_allowed_type(
        self, logged_in, owner, name, make, media_type, django_capture_on_commit_callbacks
    ):
        data = make()
        with django_capture_on_commit_callbacks(execute=True):
            response = logged_in.post(UPLOAD_URL, {"files": [_file(name, data)]}, follow=True)
        document = Document.objects.get(owner=owner)
        original = document.originals.get().blob  # kept exactly as sent
        assert original.media_type == media_type
        assert document.state == Document.State.READY
        assert original.size == len(data)
        assert "1 papier ajouté." in _messages(response)
        download = logged_in.get(reverse("vault:download", args=[document.code]))
        served = b"".join(download.streaming_content)
        # Pictures are served as the PDF the pipeline made of them.
        assert served == data if media_type == "application/pdf" else served.startswith(b"%PDF")

    def test_it_takes_several_files_at_once(self, logged_in, owner):
        files = [_file(f"p{i}.pdf", text_pdf([f"page {i}"])) for i in range(3)]
        logged_in.post(UPLOAD_URL, {"files": files})
        assert Document.objects.filter(owner=owner).count() == 3
        assert (
            JournalEntry.objects.filter(
                beneficiary=owner, action=JournalEntry.Action.DOCUMENT_UPLOADED
            ).count()
            == 3
        )


class TestRefusals:
    @pytest.mark.parametrize(
        ("name", "data", "expected"),
        [
            ("notes.pdf", b"just some text, not a pdf", "n’est pas un type de fichier accepté"),
            ("page.html", b"<html><script>alert(1)</script></html>", "n’est pas un type"),
            ("virus.jpg", b"MZ\x90\x00\x03" + b"\x00" * 100, "n’est pas un type"),
            ("vide.pdf", b"", "est vide"),
            ("tiny.pdf", b"%PD", "n’est pas un type"),
        ],
    )
    def test_it_refuses_bad_files_with_a_clear_message(
        self, logged_in, owner, blob_dir, name, data, expected
    ):
        response = logged_in.post(UPLOAD_URL, {"files": [_file(name, data)]}, follow=True)
        assert any(expected in message for message in _messages(response)), _messages(response)
        assert not Document.objects.exists()
        assert not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_it_refuses_a_file_over_the_size_limit(self, logged_in, settings, blob_dir):
        settings.COFFRE_MAX_UPLOAD_BYTES = 300_000
        big = b"%PDF-1.4\n" + b"0" * 400_000
        response = logged_in.post(UPLOAD_URL, {"files": [_file("gros.pdf", big)]}, follow=True)
        assert any("trop gros" in message for message in _messages(response))
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_it_refuses_what_does_not_fit_in_the_quota_and_keeps_what_does(
        self, logged_in, owner, blob_dir
    ):
        owner.quota_bytes = 500_000
        owner.save()
        small = b"%PDF-1.4\n" + b"1" * 200_000
        large = b"%PDF-1.4\n" + b"2" * 400_000
        response = logged_in.post(
            UPLOAD_URL,
            {"files": [_file("petit.pdf", small), _file("grand.pdf", large)]},
            follow=True,
        )
        messages = _messages(response)
        assert any("espace est plein" in message for message in messages), messages
        assert list(Document.objects.values_list("title", flat=True)) == ["petit"]
        assert len(_stored_files(blob_dir)) == 1

    def test_it_refuses_an_image_with_too_many_pixels(self, logged_in, settings, blob_dir):
        settings.COFFRE_MAX_IMAGE_PIXELS = 100 * 100
        image = card_image(["SPECIMEN"], size=(400, 300))
        response = logged_in.post(UPLOAD_URL, {"files": [_file("big.png", image)]}, follow=True)
        assert any("trop grande" in message for message in _messages(response))
        assert not Document.objects.exists() and _stored_files(blob_dir) == []

    def test_it_says_so_when_no_file_was_sent(self, logged_in):
        response = logged_in.post(UPLOAD_URL, {}, follow=True)
        assert any("Aucun fichier" in message for message in _messages(response))

    def test_it_refuses_without_csrf_token_and_leaves_nothing(self, owner, blob_dir):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        force_login_verified(client, owner.user)
        response = client.post(UPLOAD_URL, {"files": [_file("a.pdf", text_pdf(["x"]))]})
        assert response.status_code == 403
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_it_leaves_nothing_when_the_connection_breaks(self, owner, blob_dir, rf):
        """A body shorter than announced: Django's parser stops; the partial blob is removed."""
        from django.http.multipartparser import MultiPartParserError

        from vault.upload_views import receive_uploads

        body = (
            b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n" + b"x" * 300_000
        )  # no closing boundary: the upload is cut
        request = rf.post(UPLOAD_URL, data=body, content_type="multipart/form-data; boundary=B")
        request.user = owner.user
        request._dont_enforce_csrf_checks = True
        request.session = {}
        from django.contrib.messages.storage.fallback import FallbackStorage

        request._messages = FallbackStorage(request)
        with contextlib.suppress(MultiPartParserError):
            receive_uploads(request, owner, "private", "/coffre/")
        assert not Document.objects.exists()
        assert _stored_files(blob_dir) == []

    def test_a_failure_while_saving_leaves_no_blob(self, logged_in, blob_dir, monkeypatch):
        from vault import services

        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(services, "record", broken)
        with pytest.raises(RuntimeError):
            logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", text_pdf(["x"]))]})
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert _stored_files(blob_dir) == []


class TestProcessing:
    def test_the_task_records_the_sha256_of_what_was_deposited(
        self, logged_in, owner, django_capture_on_commit_callbacks
    ):
        import hashlib

        data = text_pdf(["SPECIMEN hash"])
        with django_capture_on_commit_callbacks(execute=True):
            logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", data)]})
        document = Document.objects.get(owner=owner)
        blob = document.originals.get().blob
        assert blob.sha256 == hashlib.sha256(data).hexdigest()
        assert document.state == Document.State.READY

    def test_a_damaged_blob_fails_processing_and_keeps_the_row(
        self, logged_in, owner, blob_dir, django_capture_on_commit_callbacks
    ):
        from vault.tasks import process_document

        logged_in.post(UPLOAD_URL, {"files": [_file("a.pdf", text_pdf(["x"]))]})
        document = Document.objects.get(owner=owner)
        path = blob_dir / document.file.storage_key
        stored = bytearray(path.read_bytes())
        stored[-2] ^= 1
        path.write_bytes(bytes(stored))
        process_document.call(document.pk)
        document.refresh_from_db()
        assert document.state == Document.State.FAILED
        assert document.failure_reason == "The stored file is damaged."
        page = logged_in.get(reverse("vault:document", args=[document.code])).content.decode()
        assert "Le fichier enregistré est abîmé." in page or "abîmé" in page
