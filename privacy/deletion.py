"""Deleting a whole account for real: crypto-shredding (DESIGN.md §6).

A request waits ``COFFRE_DELETION_GRACE_DAYS`` (the person can cancel from their home page), then
``privacy.tasks.delete_account`` — enqueued with ``run_after`` — carries it out:

1. in its own committed transaction, the person's keyset row is destroyed (and their user
   deactivated). From that commit on, every copy of every blob of the person — in storage, in a
   storage backup, anywhere — is ciphertext nobody can open with what the system holds;
2. the blobs are removed from storage;
3. in one transaction, inside ``journal_erasure()``: the rows (papers, folders, blobs,
   affiliations, the person's journal, the profile, the user), and one entry in the platform chain
   with the account's code and no name.

Each step is idempotent: a run that stopped half-way is finished by the next one (the task, the
staff action, or the daily retention task that picks up overdue requests).

What this does not reach by itself: a *database* backup taken before step 1 still holds the
wrapped keyset, readable with the master key. Such backups become unreadable when the master key
that wrapped them is retired (``manage.py master_key rotate``, ``rewrap_keysets``, then ``prune``
once the old backups have expired): see privacy/README.md.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Beneficiary, User
from crypto.blobs import blob_storage
from crypto.keys import clear_caches
from crypto.models import BeneficiaryKeyset
from journal.chain import journal_erasure, record
from journal.models import JournalAnchor, JournalEntry
from structures.models import Affiliation
from vault.models import Blob, Document, Folder

from .models import DeletionRequest

logger = logging.getLogger(__name__)


class DeletionAlreadyRequested(Exception):
    pass


def open_request_for(beneficiary: Beneficiary) -> DeletionRequest | None:
    return DeletionRequest.objects.open().filter(beneficiary=beneficiary).first()


def request_deletion(
    beneficiary: Beneficiary,
    actor: User,
    reason: str = DeletionRequest.Reason.REQUESTED,
    *,
    grace_days: int | None = None,
) -> DeletionRequest:
    """Plan the deletion after the grace period; the task is enqueued once this commits."""
    from .tasks import delete_account

    days = settings.COFFRE_DELETION_GRACE_DAYS if grace_days is None else grace_days
    now = timezone.now()
    with transaction.atomic():
        Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).values("pk").get()
        if open_request_for(beneficiary) is not None:
            raise DeletionAlreadyRequested
        deletion = DeletionRequest.objects.create(
            beneficiary=beneficiary,
            beneficiary_code=beneficiary.code,
            reason=reason,
            requested_by=actor,
            requested_at=now,
            scheduled_for=now + datetime.timedelta(days=days),
        )
        record(
            beneficiary,
            actor,
            JournalEntry.Action.ACCOUNT_DELETION_REQUESTED,
            scheduled_for=deletion.scheduled_for.isoformat(),
        )
        transaction.on_commit(lambda: _enqueue(delete_account, deletion))
    return deletion


def _enqueue(task: object, deletion: DeletionRequest) -> None:
    """Run the deletion at its time. A task backend that cannot defer (run_after) must not run
    it now: then the daily retention task carries it out once it is due."""
    backend = task.get_backend()  # type: ignore[attr-defined]
    if not backend.supports_defer:
        logger.warning(
            "task backend %s cannot defer tasks: deletion %s will be carried out by the daily "
            "retention task once due",
            type(backend).__name__,
            deletion.code,
        )
        return
    result = task.using(run_after=deletion.scheduled_for).enqueue(deletion.pk)  # type: ignore[attr-defined]
    DeletionRequest.objects.filter(pk=deletion.pk).update(task_id=str(result.id)[:64])


def cancel_deletion(deletion: DeletionRequest, actor: User) -> bool:
    """Undo a pending request; False if it is too late (already under way or done)."""
    with transaction.atomic():
        locked = DeletionRequest.objects.select_for_update().get(pk=deletion.pk)
        if not locked.is_pending or locked.beneficiary is None:
            return False
        locked.state = DeletionRequest.State.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["state", "cancelled_at"])
        record(locked.beneficiary, actor, JournalEntry.Action.ACCOUNT_DELETION_CANCELLED)
    deletion.refresh_from_db()
    return True


def carry_out(
    deletion_pk: int, actor: User | None = None, *, now: datetime.datetime | None = None
) -> bool:
    """Delete the account of a request that is due (or any open one when ``actor`` is staff).

    Returns True when this call finished the deletion; False when there was nothing to do
    (cancelled, already done, not due yet). Safe to run twice, or after a crash half-way.
    """
    now = now or timezone.now()
    # Step 1: destroy the keyset, in its own committed transaction.
    with transaction.atomic():
        deletion = DeletionRequest.objects.select_for_update().get(pk=deletion_pk)
        if deletion.state not in DeletionRequest.OPEN_STATES:
            return False
        if deletion.is_pending and actor is None and deletion.scheduled_for > now:
            return False
        beneficiary = deletion.beneficiary
        if beneficiary is None:  # the rows went with an earlier run: only the state was left
            deletion.state = DeletionRequest.State.DONE
            deletion.completed_at = deletion.completed_at or now
            deletion.save(update_fields=["state", "completed_at"])
            return False
        if deletion.is_pending:
            deletion.state = DeletionRequest.State.IN_PROGRESS
            deletion.started_at = now
            deletion.carried_out_by = actor
            deletion.save(update_fields=["state", "started_at", "carried_out_by"])
        User.objects.filter(pk=beneficiary.user_id).update(is_active=False)
        BeneficiaryKeyset.objects.filter(beneficiary=beneficiary).delete()
    clear_caches()  # this process's unwrapped copy of the keyset goes too
    logger.info("account %s: keyset destroyed", deletion.beneficiary_code)

    # Step 2: the (now unreadable) blobs leave storage. Deleting a missing file is a no-op.
    storage = blob_storage()
    keys = list(Blob.objects.filter(owner=beneficiary).values_list("storage_key", flat=True))
    for storage_key in keys:
        storage.delete(storage_key)

    # Step 3: the rows, and the record of the deletion in the platform chain.
    with journal_erasure():
        deletion = DeletionRequest.objects.select_for_update().get(pk=deletion_pk)
        if deletion.state != DeletionRequest.State.IN_PROGRESS:
            return False
        papers = Document.objects.filter(owner=beneficiary).count()
        Document.objects.filter(owner=beneficiary).delete()
        Folder.objects.filter(owner=beneficiary).delete()
        Blob.objects.filter(owner=beneficiary).delete()
        Affiliation.objects.filter(beneficiary=beneficiary).delete()
        JournalEntry.objects.filter(beneficiary=beneficiary).delete()
        JournalAnchor.objects.filter(beneficiary=beneficiary).delete()
        user = User.objects.get(pk=beneficiary.user_id)
        beneficiary.delete()
        user.delete()
        deletion.state = DeletionRequest.State.DONE
        deletion.completed_at = timezone.now()
        deletion.save(update_fields=["state", "completed_at"])
        record(
            None,
            actor if actor is not None else deletion.carried_out_by,
            JournalEntry.Action.ACCOUNT_DELETED,
            account=str(deletion.beneficiary_code),
            reason=deletion.reason,
            papers=papers,
            blobs=len(keys),
        )
    logger.info("account %s deleted (%s)", deletion.beneficiary_code, deletion.reason)
    return True
