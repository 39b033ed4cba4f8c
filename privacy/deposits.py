"""Facts about a deposit, shared by the receipt and the export manifest."""

import hashlib
import uuid
from collections.abc import Iterable

from accounts.models import Beneficiary
from crypto.blobs import iter_plaintext
from journal.models import JournalEntry
from vault.models import Blob


def structures_of_deposits(owner: Beneficiary, codes: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Through which structure each paper was deposited, from the journal (one query). Papers
    whose upload entry was purged (journal retention) are missing: unknown, never guessed."""
    entries = JournalEntry.objects.filter(
        beneficiary=owner,
        action=JournalEntry.Action.DOCUMENT_UPLOADED,
        item_code__in=list(codes),
    ).values_list("item_code", "structure_name")
    return {code: name for code, name in entries if code is not None}


def sha256_of(owner: Beneficiary, blob: Blob) -> str:
    """The SHA-256 recorded by the processing task or, while it has not run yet, computed now
    from the decrypted (authenticated) content, streaming."""
    if blob.sha256:
        return blob.sha256
    digest = hashlib.sha256()
    for chunk in iter_plaintext(owner, blob.code, blob.storage_key):
        digest.update(chunk)
    return digest.hexdigest()
