"""Real encryption, real files: round trip, binding to owner and object, tamper detection."""

import os
from pathlib import Path

import pytest
from django.db import connection

from crypto.blobs import BlobIntegrityError, EncryptingWriter, iter_plaintext
from crypto.models import BeneficiaryKeyset
from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory, make_document
from vault.specimens import text_pdf

MARKER = "MARQUEUR-SECRET-7F3A9"


def _write(owner, data: bytes, chunk: int = 7000):
    with EncryptingWriter(owner) as writer:
        for start in range(0, len(data), chunk):
            writer.write(data[start : start + chunk])
    return writer


def _read(owner, code, key) -> bytes:
    return b"".join(iter_plaintext(owner, code, key))


@pytest.mark.django_db
class TestRoundTrip:
    def test_it_returns_the_same_bytes(self):
        owner = BeneficiaryFactory()
        data = os.urandom(3 * 1024 * 1024 + 17)  # several 1 MB segments and a partial one
        writer = _write(owner, data)
        assert writer.size == len(data)
        assert _read(owner, writer.code, writer.storage_key) == data

    def test_it_handles_an_empty_blob(self):
        owner = BeneficiaryFactory()
        writer = _write(owner, b"")
        assert _read(owner, writer.code, writer.storage_key) == b""

    def test_it_stores_ciphertext_not_plaintext(self, blob_dir: Path):
        owner = BeneficiaryFactory()
        data = (MARKER * 1000).encode()
        writer = _write(owner, data)
        stored = (blob_dir / writer.storage_key).read_bytes()
        assert MARKER.encode() not in stored
        assert len(stored) > len(data)

    def test_it_keeps_one_keyset_per_beneficiary_wrapped_by_the_master_key(self):
        first, second = BeneficiaryFactory(), BeneficiaryFactory()
        _write(first, b"a")
        _write(second, b"b")
        keysets = BeneficiaryKeyset.objects.filter(beneficiary__in=[first, second])
        assert keysets.count() == 2
        for keyset in keysets:
            assert "encryptedKeyset" in keyset.wrapped_keyset
            assert "keyValue" not in keyset.wrapped_keyset


@pytest.mark.django_db
class TestBinding:
    def test_it_refuses_a_blob_moved_to_another_owner(self, blob_dir: Path):
        owner, other = BeneficiaryFactory(), BeneficiaryFactory()
        writer = _write(owner, b"%PDF-1.4 private")
        with pytest.raises(BlobIntegrityError):
            _read(other, writer.code, writer.storage_key)

    def test_it_refuses_a_blob_swapped_for_another_object(self, blob_dir: Path):
        owner = BeneficiaryFactory()
        first = _write(owner, b"first paper")
        second = _write(owner, b"second paper")
        # Put the second ciphertext where the first one was: same owner, same keyset.
        (blob_dir / first.storage_key).write_bytes((blob_dir / second.storage_key).read_bytes())
        with pytest.raises(BlobIntegrityError):
            _read(owner, first.code, first.storage_key)

    def test_it_refuses_a_keyset_copied_onto_another_person(self):
        owner, other = BeneficiaryFactory(), BeneficiaryFactory()
        writer = _write(owner, b"paper")
        _write(other, b"x")
        stolen = BeneficiaryKeyset.objects.get(beneficiary=owner).wrapped_keyset
        BeneficiaryKeyset.objects.filter(beneficiary=other).update(wrapped_keyset=stolen)
        other.refresh_from_db()
        with pytest.raises(Exception):  # noqa: B017  (Tink refuses to unwrap: wrong associated data)
            _read(other, writer.code, writer.storage_key)


@pytest.mark.django_db
class TestTampering:
    @pytest.mark.parametrize("position", [0, 40, 1000, -20, -1])
    def test_it_fails_loudly_on_one_flipped_byte(self, blob_dir: Path, position: int):
        owner = BeneficiaryFactory()
        writer = _write(owner, os.urandom(50_000))
        path = blob_dir / writer.storage_key
        stored = bytearray(path.read_bytes())
        stored[position] ^= 0x01
        path.write_bytes(bytes(stored))
        with pytest.raises(BlobIntegrityError):
            _read(owner, writer.code, writer.storage_key)

    def test_it_fails_on_a_truncated_blob(self, blob_dir: Path):
        owner = BeneficiaryFactory()
        writer = _write(owner, os.urandom(2 * 1024 * 1024))
        path = blob_dir / writer.storage_key
        path.write_bytes(path.read_bytes()[: 1024 * 1024])
        with pytest.raises(BlobIntegrityError):
            _read(owner, writer.code, writer.storage_key)

    def test_the_download_view_refuses_a_damaged_paper(self, client, blob_dir: Path):
        owner = BeneficiaryFactory()
        document = make_document(owner, title="Carte")
        path = blob_dir / document.file.storage_key
        stored = bytearray(path.read_bytes())
        stored[-5] ^= 0xFF
        path.write_bytes(bytes(stored))
        force_login_verified(client, owner.user)
        response = client.get(f"/coffre/d/{document.code}/download/")
        assert response.status_code == 500
        assert b"Carte" not in response.content


@pytest.mark.django_db
class TestNoPlaintextAtRest:
    def test_neither_the_database_nor_the_storage_holds_the_paper(self, client, blob_dir: Path):
        owner = BeneficiaryFactory()
        force_login_verified(client, owner.user)
        paper = text_pdf([f"Nom : {MARKER}", "SPECIMEN"])
        response = client.post(
            "/coffre/upload/",
            {"files": [_named(paper, "scan.pdf")], "visibility": "private"},
        )
        assert response.status_code == 302
        # Storage: every file under the blob directory.
        for path in blob_dir.rglob("*"):
            if path.is_file():
                assert MARKER.encode() not in path.read_bytes(), path
        # Database: every text column of every table.
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
                for row in cursor.fetchall():
                    assert MARKER not in repr(row), table
        # ... while the owner gets the paper back intact.
        document = owner.documents.get()
        downloaded = b"".join(client.get(f"/coffre/d/{document.code}/download/").streaming_content)
        assert downloaded == paper


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.django_db
def test_storage_keys_say_nothing_about_the_person():
    owner = BeneficiaryFactory(first_name="Zoé", last_name="Martin")
    first, second = _write(owner, b"a"), _write(owner, b"b")
    for writer in (first, second):
        assert str(owner.code) not in writer.storage_key
        assert "martin" not in writer.storage_key.lower()
    assert first.storage_key != second.storage_key
