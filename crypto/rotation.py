"""Key rotation, online and resumable.

Master key: ``rotated_master_key_json`` adds a new primary key to the master keyset. Once that
keyset is deployed, every process decrypts with old and new keys alike; ``rewrap_keysets`` then
re-wraps each person's keyset under the new primary, one row per transaction, so it can stop
and resume at any time. When ``master_key_usage`` shows an old key wraps nothing any more,
``pruned_master_key_json`` drops it.

A person's keyset: ``rotate_beneficiary_keyset`` adds a new primary streaming key; new blobs
use it, old blobs still open with the older keys (Tink tries each key of the keyset).
"""

from collections import Counter

import tink
from django.db import transaction
from django.utils import timezone
from tink import secret_key_access
from tink.proto import tink_pb2

from accounts.models import Beneficiary

from .keys import (
    BLOB_KEY_TEMPLATE,
    MASTER_KEY_TEMPLATE,
    clear_caches,
    master_key,
    unwrap,
    with_new_primary,
    wrap,
)
from .models import BeneficiaryKeyset


def rotated_master_key_json(current_json: str) -> str:
    handle = tink.json_proto_keyset_format.parse(current_json, secret_key_access.TOKEN)
    rotated = with_new_primary(handle, MASTER_KEY_TEMPLATE)
    return str(tink.json_proto_keyset_format.serialize(rotated, secret_key_access.TOKEN))


def master_key_usage() -> Counter[int | None]:
    """How many keysets each master key id wraps (None: wrapped before ids were recorded)."""
    return Counter(BeneficiaryKeyset.objects.values_list("master_key_id", flat=True))


def pruned_master_key_json(current_json: str) -> str:
    """The master keyset without the keys that are not primary and wrap nothing."""
    usage = master_key_usage()
    if None in usage:
        raise ValueError("some keysets have no recorded master key: run rewrap_keysets first")
    keyset = tink_pb2.Keyset.FromString(
        tink.proto_keyset_format.serialize(
            tink.json_proto_keyset_format.parse(current_json, secret_key_access.TOKEN),
            secret_key_access.TOKEN,
        )
    )
    kept = [k for k in keyset.key if k.key_id == keyset.primary_key_id or usage[k.key_id]]
    del keyset.key[:]
    keyset.key.extend(kept)
    handle = tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)
    return str(tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN))


def rewrap_keysets(limit: int | None = None) -> tuple[int, int]:
    """Re-wrap keysets not wrapped by the current primary. Returns (re-wrapped, still to do)."""
    primary = master_key().primary_key_id()
    pending = BeneficiaryKeyset.objects.exclude(master_key_id=primary).order_by("pk")
    done = 0
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            row = (
                BeneficiaryKeyset.objects.select_for_update()
                .select_related("beneficiary")
                .get(pk=pk)
            )
            if row.master_key_id == primary:  # done meanwhile by another run
                continue
            code = row.beneficiary.code
            row.wrapped_keyset = wrap(unwrap(row.wrapped_keyset, code), code)
            row.master_key_id = primary
            row.save(update_fields=["wrapped_keyset", "master_key_id"])
        done += 1
    return done, pending.count()


def rotate_beneficiary_keyset(beneficiary: Beneficiary) -> None:
    with transaction.atomic():
        row = BeneficiaryKeyset.objects.select_for_update().get(beneficiary=beneficiary)
        rotated = with_new_primary(unwrap(row.wrapped_keyset, beneficiary.code), BLOB_KEY_TEMPLATE)
        row.wrapped_keyset = wrap(rotated, beneficiary.code)
        row.master_key_id = master_key().primary_key_id()
        row.rotated_at = timezone.now()
        row.save(update_fields=["wrapped_keyset", "master_key_id", "rotated_at"])
    clear_caches()
    # The cached primitive of this person must not keep writing with the old primary.
    beneficiary.refresh_from_db()
