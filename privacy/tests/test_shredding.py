"""Crypto-shredding for real: a copy of storage and database taken before the deletion cannot be
read afterwards with anything the system still holds (DESIGN.md §6)."""

import io
import shutil

import pytest
import tink
from tink import streaming_aead

from accounts.models import Beneficiary
from crypto import keys
from crypto.blobs import associated_data
from crypto.models import BeneficiaryKeyset
from crypto.rotation import pruned_master_key_json, rewrap_keysets, rotated_master_key_json
from privacy import deletion
from tests.factories import BeneficiaryFactory, make_document
from vault.models import Blob
from vault.specimens import card_image, text_pdf

# Real commits, as in production: the keyset's destruction is its own committed transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def master(settings):
    """An explicit master key (COFFRE_MASTER_KEY), as in production."""
    settings.COFFRE_MASTER_KEY = keys.generate_master_key()
    keys.clear_caches()
    yield settings
    keys.clear_caches()


def _decrypt(primitive, ciphertext: bytes, owner_code, blob_code) -> bytes:
    stream = primitive.new_decrypting_stream(
        io.BytesIO(ciphertext), associated_data(owner_code, blob_code)
    )
    return stream.read()


def _primitive(wrapped: str, code):
    return keys.unwrap(wrapped, code).primitive(streaming_aead.StreamingAead)


def _vaults():
    victim, other = BeneficiaryFactory(), BeneficiaryFactory()
    contents = {}
    for owner, title, data in [
        (victim, "Carte d'identité", card_image(["CARTE D'IDENTITE", "SPECIMEN"])),
        (victim, "Attestation CAF", text_pdf(["SPECIMEN CAF"])),
        (victim, "Fiche de paie", text_pdf(["SPECIMEN PAIE"] * 40)),
        (other, "Passeport", card_image(["PASSEPORT", "SPECIMEN"])),
        (other, "Avis d'impôt", text_pdf(["SPECIMEN IMPOT"])),
    ]:
        document = make_document(owner, title=title, content=data)
        contents[document.file.code] = data
    return victim, other, contents


def _backup(blob_dir, destination):
    """What a backup holds: the storage directory, and the database rows."""
    shutil.copytree(blob_dir, destination)
    # The deposits, whose plaintext the test knows (the PDFs and thumbnails made of them are
    # blobs under the same keyset).
    blobs = list(
        Blob.objects.filter(original_of__isnull=False).values("code", "storage_key", "owner__code")
    )
    keysets = {
        row["beneficiary__code"]: row["wrapped_keyset"]
        for row in BeneficiaryKeyset.objects.values("beneficiary__code", "wrapped_keyset")
    }
    return blobs, keysets


def _delete(person):
    request = deletion.request_deletion(person, person.user)
    assert deletion.carry_out(request.pk, now=request.scheduled_for)


def test_no_copied_blob_of_the_person_opens_with_what_the_system_still_holds(
    blob_dir, tmp_path, master
):
    victim, other, contents = _vaults()
    copy = tmp_path / "storage-copy"
    blobs, _ = _backup(blob_dir, copy)
    victim_code = victim.code
    victim_blobs = [blob for blob in blobs if blob["owner__code"] == victim_code]
    assert len(victim_blobs) == 3

    _delete(victim)

    # What the system holds now: the master key (unchanged) and the remaining keyset rows.
    assert not Beneficiary.objects.filter(code=victim_code).exists()
    remaining = [
        (row.beneficiary.code, _primitive(row.wrapped_keyset, row.beneficiary.code))
        for row in BeneficiaryKeyset.objects.select_related("beneficiary")
    ]
    assert [code for code, _ in remaining] == [other.code]
    attempts = 0
    for blob in victim_blobs:
        ciphertext = (copy / blob["storage_key"]).read_bytes()
        assert contents[blob["code"]] not in ciphertext  # stored encrypted, of course
        for code, primitive in remaining:
            # As the person's blob, or as if it had been moved into the other vault.
            for claimed_owner in (victim_code, code):
                with pytest.raises(tink.TinkError):
                    _decrypt(primitive, ciphertext, claimed_owner, blob["code"])
                attempts += 1
    assert attempts == 3 * 1 * 2
    # The check itself can decrypt: the other person's copied blobs still open, byte for byte.
    for blob in blobs:
        if blob["owner__code"] == other.code:
            ciphertext = (copy / blob["storage_key"]).read_bytes()
            assert (
                _decrypt(remaining[0][1], ciphertext, other.code, blob["code"])
                == (contents[blob["code"]])
            )


def test_a_database_backup_opens_the_copy_until_the_old_master_key_is_retired(
    blob_dir, tmp_path, master
):
    """The limit, shown rather than hidden: a *database* backup from before the deletion holds
    the person's wrapped keyset. It stays readable while the master key that wrapped it exists;
    after rotating the master key, re-wrapping and pruning (once such backups have expired),
    it is ciphertext for good."""
    victim, other, contents = _vaults()
    copy = tmp_path / "storage-copy"
    blobs, copied_keysets = _backup(blob_dir, copy)
    victim_code = victim.code
    _delete(victim)

    victim_blob = next(blob for blob in blobs if blob["owner__code"] == victim_code)
    ciphertext = (copy / victim_blob["storage_key"]).read_bytes()
    old_copy = _primitive(copied_keysets[victim_code], victim_code)
    assert (
        _decrypt(old_copy, ciphertext, victim_code, victim_blob["code"])
        == (contents[victim_blob["code"]])
    )

    master.COFFRE_MASTER_KEY = rotated_master_key_json(master.COFFRE_MASTER_KEY)
    assert rewrap_keysets() == (1, 0)  # only the other person's keyset is left to re-wrap
    master.COFFRE_MASTER_KEY = pruned_master_key_json(master.COFFRE_MASTER_KEY)
    with pytest.raises(tink.TinkError):
        keys.unwrap(copied_keysets[victim_code], victim_code)
    # Everyone else's papers still open with the new master key.
    other_row = BeneficiaryKeyset.objects.get(beneficiary=other)
    primitive = _primitive(other_row.wrapped_keyset, other.code)
    for blob in blobs:
        if blob["owner__code"] == other.code:
            data = _decrypt(
                primitive, (copy / blob["storage_key"]).read_bytes(), other.code, blob["code"]
            )
            assert data == contents[blob["code"]]
