import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from crypto.blobs import EncryptingWriter
from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory, make_document
from vault.models import Blob
from vault.scrub import scrub


@pytest.fixture
def papers(db):
    owner = BeneficiaryFactory()
    return owner, [make_document(owner, title=f"P{i}") for i in range(3)]


class TestScrub:
    def test_a_healthy_store_is_clean(self, papers, capsys):
        report = scrub()
        # Each paper: its PDF (the deposit itself, kept as is) and its thumbnail.
        assert report.clean and report.checked == 6 == Blob.objects.count()
        call_command("scrub")
        assert "6 checked, 0 corrupted, 0 missing, 0 orphans" in capsys.readouterr().out

    def test_one_flipped_byte_is_found_and_the_download_fails_closed(
        self, papers, blob_dir, client
    ):
        owner, documents = papers
        path = blob_dir / documents[1].file.storage_key
        stored = bytearray(path.read_bytes())
        stored[len(stored) // 2] ^= 0x01
        path.write_bytes(bytes(stored))
        report = scrub()
        assert report.corrupted == [
            f"{documents[1].file.code}: does not decrypt (altered, truncated or keys lost)"
        ]
        with pytest.raises(CommandError):
            call_command("scrub")
        force_login_verified(client, owner.user)
        response = client.get(reverse("vault:download", args=[documents[1].code]))
        assert response.status_code == 500

    def test_a_wrong_recorded_hash_is_found(self, papers):
        blob = papers[1][0].file
        blob.sha256 = "0" * 64
        blob.save()
        assert "SHA-256 differs" in scrub().corrupted[0]

    def test_a_missing_object_is_found(self, papers, blob_dir):
        (blob_dir / papers[1][2].file.storage_key).unlink()
        assert scrub().missing == [f"{papers[1][2].file.code}: no stored object"]

    def test_orphans_are_found_and_recent_ones_reported_apart(self, papers):
        owner = papers[0]
        with EncryptingWriter(owner) as writer:  # stored, but never became a row
            writer.write(b"%PDF-1.4 orphan")
        report = scrub()
        assert report.recent_orphans == [writer.storage_key] and report.clean
        report = scrub(now=timezone.now() + datetime.timedelta(days=2))
        assert report.orphans == [writer.storage_key] and not report.clean

    def test_a_sample_checks_fewer(self, papers):
        assert scrub(sample=2).checked == 2
