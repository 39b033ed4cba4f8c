"""Writing, verifying and purging the hash chains of the journal (see journal.models)."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Beneficiary, User
from structures.models import Structure

from .models import GENESIS_HASH, JournalAnchor, JournalEntry

# Any constant works: it names the platform chain's lock for pg_advisory_xact_lock.
PLATFORM_LOCK_ID = 0x0C0FFE


def _lock_chain(beneficiary: Beneficiary | None) -> None:
    """Serialise writers of one chain until the transaction ends."""
    if beneficiary is not None:
        Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).values("pk").get()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PLATFORM_LOCK_ID])
    # SQLite: writers are already serialised (IMMEDIATE transactions).


def _chain_start(beneficiary: Beneficiary | None) -> tuple[int, str]:
    """(seq, hash) of the entry before the first one kept: genesis, or the purge anchor."""
    anchor = JournalAnchor.objects.filter(chain=_chain_name(beneficiary)).first()
    return (anchor.seq, anchor.entry_hash) if anchor else (0, GENESIS_HASH)


def _chain_name(beneficiary: Beneficiary | None) -> str:
    return str(beneficiary.code) if beneficiary else JournalAnchor.PLATFORM


def record(
    beneficiary: Beneficiary | None,
    actor: User | None,
    action: str,
    item: Any = None,
    structure: Structure | None = None,
    **details: Any,
) -> JournalEntry:
    """Append one entry to a chain: the person's, or the platform's (``beneficiary=None``)."""
    with transaction.atomic():
        _lock_chain(beneficiary)
        last = (
            JournalEntry.objects.filter(beneficiary=beneficiary)
            .order_by("-seq")
            .values("seq", "entry_hash")
            .first()
        )
        start_seq, start_hash = _chain_start(beneficiary)
        entry = JournalEntry(
            beneficiary=beneficiary,
            seq=(last["seq"] if last else start_seq) + 1,
            created_at=timezone.now(),
            actor=actor,
            actor_name=actor.display_name if actor else "",
            actor_kind=actor.kind if actor else "",
            structure=structure,
            structure_name=structure.name if structure else "",
            action=action,
            item_kind=item._meta.model_name if item is not None else "",
            item_code=getattr(item, "code", None),
            item_label=item.journal_label if item is not None else "",
            details=details,
            previous_hash=last["entry_hash"] if last else start_hash,
        )
        entry.entry_hash = entry.compute_hash()
        # The unique (chain, seq) constraints would refuse a fork if the lock ever failed.
        entry.save()
    return entry


def verify_chain(beneficiary: Beneficiary | None) -> list[str]:
    """Problems found in one chain; an empty list means intact."""
    problems = []
    expected_seq, expected_previous = _chain_start(beneficiary)
    expected_seq += 1
    entries = JournalEntry.objects.filter(beneficiary=beneficiary).order_by("seq")
    for entry in entries.select_related("beneficiary").iterator():
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (found {entry.seq})")
        if entry.previous_hash != expected_previous:
            problems.append(f"entry {entry.seq} does not follow the previous entry")
        if entry.compute_hash() != entry.entry_hash:
            problems.append(f"entry {entry.seq} was altered")
        expected_previous = entry.entry_hash
        expected_seq = entry.seq + 1
    return problems


@contextmanager
def journal_erasure() -> Iterator[None]:
    """Allow deleting journal rows inside this block: account deletion and retention only.

    On PostgreSQL a trigger refuses any UPDATE, and any DELETE unless this transaction set
    ``coffre.journal_erasure``. The flag is transaction-local (``SET LOCAL``).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL coffre.journal_erasure = 'on'")
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL coffre.journal_erasure = 'off'")


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete entries older than the retention period, chain by chain, keeping an anchor so
    that what remains can still be verified. Returns the number of entries deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.COFFRE_JOURNAL_RETENTION_DAYS
    )
    deleted = 0
    chains = (
        JournalEntry.objects.filter(created_at__lt=cutoff)
        .values_list("beneficiary", flat=True)
        .distinct()
    )
    for beneficiary_id in list(chains):
        beneficiary = (
            Beneficiary.objects.filter(pk=beneficiary_id).first() if beneficiary_id else None
        )
        with journal_erasure():
            _lock_chain(beneficiary)
            expired = JournalEntry.objects.filter(beneficiary=beneficiary, created_at__lt=cutoff)
            last = expired.order_by("-seq").values("seq", "entry_hash").first()
            if last is None:
                continue
            JournalAnchor.objects.update_or_create(
                chain=_chain_name(beneficiary),
                defaults={
                    "beneficiary": beneficiary,
                    "seq": last["seq"],
                    "entry_hash": last["entry_hash"],
                },
            )
            count, _ = JournalEntry.objects.filter(
                beneficiary=beneficiary, seq__lte=last["seq"]
            ).delete()
            deleted += count
    return deleted
