"""Small values sealed for the database (OCR text): only the owner's keyset opens them."""

import pytest

from crypto.blobs import BlobIntegrityError, seal, unseal


@pytest.mark.django_db
class TestSealed:
    def test_round_trip_and_no_plaintext_in_the_sealed_bytes(self, world):
        text = "CARTE NATIONALE D'IDENTITÉ SPECIMEN " * 300
        sealed = seal(world.beneficiary, text.encode(), "document:1")
        assert b"SPECIMEN" not in sealed
        assert unseal(world.beneficiary, sealed, "document:1").decode() == text

    def test_moved_to_another_row_or_person_does_not_open(self, world):
        sealed = seal(world.beneficiary, b"secret", "document:1")
        with pytest.raises(BlobIntegrityError):
            unseal(world.beneficiary, sealed, "document:2")
        with pytest.raises(BlobIntegrityError):
            unseal(world.stranger_beneficiary, sealed, "document:1")

    def test_a_flipped_byte_fails_loudly(self, world):
        sealed = bytearray(seal(world.beneficiary, b"secret", "document:1"))
        sealed[-5] ^= 1
        with pytest.raises(BlobIntegrityError):
            unseal(world.beneficiary, bytes(sealed), "document:1")
