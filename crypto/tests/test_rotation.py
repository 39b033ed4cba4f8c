"""Key rotation, for real: new keys in use afterwards, old papers still readable."""

import os

import pytest
import tink
from django.core.management import call_command
from tink import secret_key_access

from crypto import keys
from crypto.blobs import (
    BlobIntegrityError,
    EncryptingWriter,
    associated_data,
    blob_storage,
    iter_plaintext,
)
from crypto.models import BeneficiaryKeyset
from crypto.rotation import (
    master_key_usage,
    pruned_master_key_json,
    rewrap_keysets,
    rotate_beneficiary_keyset,
    rotated_master_key_json,
)
from tests.factories import BeneficiaryFactory


def _write(owner, data: bytes):
    with EncryptingWriter(owner) as writer:
        writer.write(data)
    return writer


def _read(owner, writer) -> bytes:
    owner.refresh_from_db()
    return b"".join(iter_plaintext(owner, writer.code, writer.storage_key))


@pytest.fixture
def master(settings):
    """An explicit master key, as in production (COFFRE_MASTER_KEY)."""
    settings.COFFRE_MASTER_KEY = keys.generate_master_key()
    yield settings
    keys.clear_caches()


@pytest.mark.django_db
class TestMasterKeyRotation:
    def test_it_rewraps_every_keyset_and_old_papers_still_open(self, master):
        people = [BeneficiaryFactory() for _ in range(3)]
        papers = [(person, _write(person, os.urandom(3000))) for person in people]
        old_primary = keys.master_key().primary_key_id()
        master.COFFRE_MASTER_KEY = rotated_master_key_json(master.COFFRE_MASTER_KEY)
        new_primary = keys.master_key().primary_key_id()
        assert new_primary != old_primary
        # Online: before re-wrapping, everything still opens with the rotated keyset.
        for person, writer in papers:
            assert _read(person, writer)
        assert rewrap_keysets(limit=2) == (2, 1)  # resumable: stop after 2 ...
        assert rewrap_keysets() == (1, 0)  # ... and finish later
        assert master_key_usage() == {new_primary: 3}
        for person, writer in papers:
            assert len(_read(person, writer)) == 3000
        # The old key can go: the pruned keyset still opens everything.
        master.COFFRE_MASTER_KEY = pruned_master_key_json(master.COFFRE_MASTER_KEY)
        handle = tink.json_proto_keyset_format.parse(
            master.COFFRE_MASTER_KEY, secret_key_access.TOKEN
        )
        assert [k.key_id for k in handle.keyset_info().key_info] == [new_primary]
        for person, writer in papers:
            assert len(_read(person, writer)) == 3000

    def test_without_the_old_key_unrewrapped_keysets_do_not_open(self, master):
        person = BeneficiaryFactory()
        writer = _write(person, b"paper")
        master.COFFRE_MASTER_KEY = keys.generate_master_key()  # a different key entirely
        with pytest.raises(BlobIntegrityError):
            _read(person, writer)

    def test_the_commands(self, master, capsys):
        person = BeneficiaryFactory()
        _write(person, b"paper")
        master.COFFRE_MASTER_KEY = rotated_master_key_json(master.COFFRE_MASTER_KEY)
        call_command("rewrap_keysets")
        assert "1 re-wrapped, 0 to go" in capsys.readouterr().out
        call_command("master_key", "status")
        assert "wraps 1 keysets" in capsys.readouterr().out


@pytest.mark.django_db
class TestBeneficiaryKeysetRotation:
    def test_new_papers_use_the_new_key_and_old_ones_still_open(self):
        person = BeneficiaryFactory()
        before = _write(person, b"before rotation")
        old_wrapped = BeneficiaryKeyset.objects.get(beneficiary=person).wrapped_keyset
        rotate_beneficiary_keyset(person)
        person.refresh_from_db()
        after = _write(person, b"after rotation")
        assert _read(person, before) == b"before rotation"
        assert _read(person, after) == b"after rotation"
        # The new paper is under the new key: the keyset from before cannot open it.
        old_primitive = keys.unwrap(old_wrapped, person.code).primitive(
            keys.streaming_aead.StreamingAead
        )
        with blob_storage().open(after.storage_key, "rb") as source:
            stream = old_primitive.new_decrypting_stream(
                source, associated_data(person.code, after.code)
            )
            with pytest.raises(tink.TinkError):
                stream.read()

    def test_the_command_rotates_everyone(self, capsys):
        people = [BeneficiaryFactory() for _ in range(2)]
        for person in people:
            _write(person, b"x")
        call_command("rotate_keysets", "--all")
        assert "2 keysets rotated" in capsys.readouterr().out
        assert all(row.rotated_at for row in BeneficiaryKeyset.objects.all())
