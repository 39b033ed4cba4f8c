import pytest

from journal.models import JournalEntry, record, verify_chain
from tests.factories import BeneficiaryFactory, UserFactory


@pytest.fixture
def chain(db):
    beneficiary = BeneficiaryFactory()
    professional = UserFactory()
    for action in ("document_viewed", "document_downloaded", "shared"):
        record(beneficiary, professional, action)
    return beneficiary


class TestChain:
    def test_it_links_each_entry_to_the_previous_one(self, chain):
        entries = list(JournalEntry.objects.filter(beneficiary=chain).order_by("seq"))
        assert [entry.seq for entry in entries] == [1, 2, 3]
        assert entries[0].previous_hash == "0" * 64
        assert entries[1].previous_hash == entries[0].entry_hash
        assert entries[2].previous_hash == entries[1].entry_hash
        assert verify_chain(chain) == []

    def test_each_person_has_their_own_chain(self, chain):
        other = BeneficiaryFactory()
        entry = record(other, other.user, "shared")
        assert entry.seq == 1 and entry.previous_hash == "0" * 64

    def test_it_detects_an_altered_entry(self, chain):
        JournalEntry.objects.filter(beneficiary=chain, seq=2).update(actor_name="Quelqu'un d'autre")
        assert verify_chain(chain) == ["entry 2 was altered"]

    def test_it_detects_a_removed_entry(self, chain):
        JournalEntry.objects.filter(beneficiary=chain, seq=2)._raw_delete("default")
        problems = verify_chain(chain)
        assert "entry 2 is missing (found 3)" in problems

    def test_it_detects_reordered_entries(self, chain):
        JournalEntry.objects.filter(beneficiary=chain, seq=3).update(seq=99)
        JournalEntry.objects.filter(beneficiary=chain, seq=2).update(seq=3)
        JournalEntry.objects.filter(beneficiary=chain, seq=99).update(seq=2)
        assert verify_chain(chain) != []

    def test_it_refuses_updates_and_deletes_through_the_model(self, chain):
        entry = JournalEntry.objects.filter(beneficiary=chain).first()
        entry.actor_name = "changed"
        with pytest.raises(ValueError):
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()
