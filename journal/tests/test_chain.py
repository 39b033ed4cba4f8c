import datetime
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from journal.chain import journal_erasure, purge_expired, record, verify_chain
from journal.models import JournalAnchor, JournalEntry
from tests.auth import force_login_verified
from tests.factories import PASSWORD, BeneficiaryFactory, UserFactory

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the append-only trigger exists on PostgreSQL"
)


@contextmanager
def as_attacker():
    """Change rows behind the application's back, as someone with database superuser rights
    would: on PostgreSQL that means switching triggers off for the session."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


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

    def test_each_person_has_their_own_chain_and_the_platform_one(self, chain):
        other = BeneficiaryFactory()
        entry = record(other, other.user, "shared")
        assert entry.seq == 1 and entry.previous_hash == "0" * 64
        first = record(None, None, "login_failed")
        second = record(None, None, "login_failed")
        assert (first.seq, second.seq) == (1, 2) and second.previous_hash == first.entry_hash
        assert verify_chain(None) == []

    def test_it_detects_an_altered_entry(self, chain):
        with as_attacker():
            JournalEntry.objects.filter(beneficiary=chain, seq=2).update(actor_name="Quelqu'un")
        assert verify_chain(chain) == ["entry 2 was altered"]

    def test_it_detects_a_removed_entry(self, chain):
        with as_attacker():
            JournalEntry.objects.filter(beneficiary=chain, seq=2)._raw_delete("default")
        assert "entry 2 is missing (found 3)" in verify_chain(chain)

    def test_it_detects_reordered_entries(self, chain):
        with as_attacker():
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


@on_postgresql
class TestDatabaseTrigger:
    def test_it_refuses_a_bulk_update(self, chain):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            JournalEntry.objects.filter(beneficiary=chain).update(actor_name="x")
        assert verify_chain(chain) == []

    def test_it_refuses_a_bulk_delete(self, chain):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            JournalEntry.objects.filter(beneficiary=chain)._raw_delete("default")
        assert JournalEntry.objects.filter(beneficiary=chain).count() == 3

    def test_it_lets_an_erasure_delete_and_only_inside_it(self, chain):
        with journal_erasure():
            JournalEntry.objects.filter(beneficiary=chain, seq=1)._raw_delete("default")
        with pytest.raises(DatabaseError), transaction.atomic():
            JournalEntry.objects.filter(beneficiary=chain, seq=2)._raw_delete("default")
        assert JournalEntry.objects.filter(beneficiary=chain).count() == 2


class TestVerifyCommand:
    def test_it_passes_on_intact_chains_and_fails_on_tampering(self, chain, capsys):
        record(None, None, "login_failed")
        call_command("verify_journal")
        assert "2 chains checked, 0 broken." in capsys.readouterr().out
        with as_attacker():
            JournalEntry.objects.filter(beneficiary=chain, seq=1).update(item_label="forged")
        with pytest.raises(CommandError):
            call_command("verify_journal")
        assert "entry 1 was altered" in capsys.readouterr().err


class TestRetention:
    def test_it_purges_old_entries_and_the_rest_still_verifies(self, chain, settings):
        settings.COFFRE_JOURNAL_RETENTION_DAYS = 365
        later = timezone.now() + datetime.timedelta(days=400)
        recent = record(chain, chain.user, "shared")  # seq 4, "now"
        assert purge_expired(now=later) == 4
        assert purge_expired(now=timezone.now()) == 0
        del recent
        anchor = JournalAnchor.objects.get(chain=str(chain.code))
        assert anchor.seq == 4
        # New entries continue the chain from the anchor, and it all verifies.
        entry = record(chain, chain.user, "unshared")
        assert entry.seq == 5 and entry.previous_hash == anchor.entry_hash
        assert verify_chain(chain) == []

    def test_it_keeps_entries_within_the_period(self, chain, settings):
        settings.COFFRE_JOURNAL_RETENTION_DAYS = 365
        assert purge_expired(now=timezone.now() + datetime.timedelta(days=30)) == 0
        assert JournalEntry.objects.filter(beneficiary=chain).count() == 3

    def test_tampering_after_a_purge_is_still_found(self, chain, settings):
        settings.COFFRE_JOURNAL_RETENTION_DAYS = 1
        purge_expired(now=timezone.now() + datetime.timedelta(days=2))
        record(chain, chain.user, "shared")
        record(chain, chain.user, "unshared")
        with as_attacker():
            JournalEntry.objects.filter(beneficiary=chain, seq=4)._raw_delete("default")
        assert verify_chain(chain) != []


@pytest.mark.django_db
class TestLoginEvents:
    def test_a_beneficiary_sees_logins_and_attempts_on_their_account(self, client):
        person = BeneficiaryFactory()
        client.post(reverse("accounts:login"), {"username": person.user.username, "password": "x"})
        client.post(
            reverse("accounts:login"), {"username": person.user.username, "password": PASSWORD}
        )
        client.post(reverse("accounts:logout"))
        actions = list(
            JournalEntry.objects.filter(beneficiary=person)
            .order_by("seq")
            .values_list("action", "actor")
        )
        assert actions == [
            ("login_failed", None),
            ("logged_in", person.user.pk),
            ("logged_out", person.user.pk),
        ]
        force_login_verified(client, person.user)
        page = client.get(reverse("vault:journal")).content.decode()
        assert "Quelqu’un" in page and "mauvais mot de passe" in page

    def test_professional_events_go_to_the_platform_chain(self, client):
        professional = UserFactory()
        client.post(reverse("accounts:login"), {"username": professional.username, "password": "x"})
        entry = JournalEntry.objects.get(beneficiary=None)
        assert entry.action == "login_failed" and entry.details["account"] == professional.username

    def test_unknown_usernames_are_not_stored(self, client):
        client.post(reverse("accounts:login"), {"username": "monmotdepasse123", "password": "x"})
        entry = JournalEntry.objects.get(beneficiary=None)
        assert entry.action == "login_failed" and entry.details == {
            "ip": "127.0.0.1",
            "account": "",
        }
        assert "monmotdepasse123" not in str(entry.payload())
