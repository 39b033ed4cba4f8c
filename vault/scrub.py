"""Integrity scrub: read every stored paper back and compare with what the database says.

Reports corrupted blobs (decryption fails or the SHA-256 differs), rows whose blob is missing,
and storage objects without a row (orphans). Orphans younger than a day may be uploads still
in flight, so they are reported apart and never deleted.
"""

import datetime
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import Storage
from django.utils import timezone

from crypto.blobs import BlobIntegrityError, blob_storage, iter_plaintext

from .models import Blob

ORPHAN_GRACE = datetime.timedelta(days=1)


@dataclass
class ScrubReport:
    checked: int = 0
    corrupted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    recent_orphans: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.corrupted or self.missing or self.orphans)


def _storage_keys(storage: Storage, directory: str = "") -> Iterator[str]:
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from _storage_keys(storage, f"{directory}/{sub}" if directory else sub)


def _check(blob: Blob) -> str:
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in iter_plaintext(blob.owner, blob.code, blob.storage_key):
            digest.update(chunk)
            size += len(chunk)
    except BlobIntegrityError:
        return "does not decrypt (altered, truncated or keys lost)"
    if size != blob.size:
        return f"size {size} instead of {blob.size}"
    if blob.sha256 and digest.hexdigest() != blob.sha256:
        return "SHA-256 differs from the one recorded"
    return ""


def scrub(sample: int | None = None, now: datetime.datetime | None = None) -> ScrubReport:
    report = ScrubReport()
    storage = blob_storage()
    stored = set(_storage_keys(storage))
    rows = Blob.objects.select_related("owner")
    keys_in_db = set(rows.values_list("storage_key", flat=True))
    pks = list(rows.values_list("pk", flat=True))
    if sample is not None and sample < len(pks):
        pks = random.sample(pks, sample)  # noqa: S311  (sampling, not security)
    for blob in rows.filter(pk__in=pks).iterator():
        report.checked += 1
        if blob.storage_key not in stored:
            report.missing.append(f"{blob.code}: no stored object")
            continue
        problem = _check(blob)
        if problem:
            report.corrupted.append(f"{blob.code}: {problem}")
    cutoff = (now or timezone.now()) - ORPHAN_GRACE
    for key in sorted(stored - keys_in_db):
        if storage.get_modified_time(key) > cutoff:
            report.recent_orphans.append(key)
        else:
            report.orphans.append(key)
    return report
