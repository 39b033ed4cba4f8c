"""The one file-serving path: headers, read-ahead, and failures mid-stream."""

import os
import threading

import pytest
from django.urls import reverse

from crypto.blobs import BlobIntegrityError
from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory, make_document
from vault.serving import content_disposition, read_ahead


def _helper_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "coffre-read-ahead")


class TestReadAhead:
    def test_it_yields_every_chunk_in_order(self):
        chunks = [os.urandom(10) for _ in range(50)]
        assert list(read_ahead(iter(chunks))) == chunks

    def test_it_stops_its_helper_when_the_client_goes_away(self):
        produced = []

        def endless():
            while True:
                produced.append(1)
                yield b"x" * 1000

        stream = read_ahead(endless())
        next(stream)
        stream.close()  # what the WSGI server does when the connection drops
        assert _helper_threads() == 0
        assert len(produced) < 10  # bounded: it did not keep decrypting for nobody

    def test_it_raises_the_helpers_error_in_the_sending_thread(self):
        def broken():
            yield b"first"
            raise BlobIntegrityError("tampered")

        stream = read_ahead(broken())
        assert next(stream) == b"first"
        with pytest.raises(BlobIntegrityError):
            next(stream)
        assert _helper_threads() == 0


@pytest.mark.django_db
class TestDownloadResponse:
    def test_it_sends_safe_headers(self, client):
        owner = BeneficiaryFactory()
        document = make_document(owner, title='Avis "impôts"\r\nX-Evil: 1 / ../../etc')
        force_login_verified(client, owner.user)
        response = client.get(reverse("vault:download", args=[document.code]))
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Length"] == str(document.file.size)
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
        assert "X-Evil" not in response.headers
        inline = client.get(reverse("vault:download", args=[document.code]), {"inline": "1"})
        assert inline["Content-Disposition"].startswith("inline; ")

    def test_a_multi_segment_paper_streams_back_identical(self, client):
        owner = BeneficiaryFactory()
        data = b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024 + 123)
        document = make_document(owner, content=data)
        force_login_verified(client, owner.user)
        response = client.get(reverse("vault:download", args=[document.code]))
        assert b"".join(response.streaming_content) == data

    def test_damage_after_the_first_segment_breaks_the_download(self, client, blob_dir):
        owner = BeneficiaryFactory()
        data = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)
        document = make_document(owner, content=data)
        path = blob_dir / document.file.storage_key
        stored = bytearray(path.read_bytes())
        stored[-100] ^= 1  # the last segment
        path.write_bytes(bytes(stored))
        force_login_verified(client, owner.user)
        response = client.get(reverse("vault:download", args=[document.code]))
        assert response.status_code == 200  # headers go out with the first, intact segment
        with pytest.raises(BlobIntegrityError):
            b"".join(response.streaming_content)


def test_content_disposition_keeps_accents_in_the_rfc5987_form():
    header = content_disposition("carte-vitale-zoé.pdf", inline=False)
    assert header == (
        "attachment; filename=\"carte-vitale-zo.pdf\"; filename*=UTF-8''carte-vitale-zo%C3%A9.pdf"
    )


@pytest.mark.django_db
def test_a_paper_not_yet_checked_is_only_ever_a_download(client):
    from vault.models import Document

    owner = BeneficiaryFactory()
    document = make_document(owner)
    Document.objects.filter(pk=document.pk).update(state=Document.State.PROCESSING)
    force_login_verified(client, owner.user)
    for params in ({}, {"inline": "1"}):
        response = client.get(reverse("vault:download", args=[document.code]), params)
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment; ")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)  # the person still gets their file
