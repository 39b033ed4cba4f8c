"""Master key (KEK) and per-beneficiary Tink keysets.

The master key is a Tink AEAD keyset given in ``COFFRE_MASTER_KEY`` (JSON). Without it, the embedded
default generates one under ``var/`` on first use and the system check ``coffre.W001`` warns.
"""

import logging
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import tink
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from tink import aead, secret_key_access, streaming_aead

if TYPE_CHECKING:
    from accounts.models import Beneficiary

logger = logging.getLogger(__name__)

aead.register()
streaming_aead.register()

BLOB_KEY_TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
_generate_lock = threading.Lock()


def _master_keyset_json() -> str:
    if settings.COFFRE_MASTER_KEY:
        return str(settings.COFFRE_MASTER_KEY)
    path = settings.COFFRE_MASTER_KEY_PATH
    with _generate_lock:
        if not path.exists():
            logger.warning("No COFFRE_MASTER_KEY set: generating a local master key in %s", path)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
            serialized = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(serialized)
    return str(path.read_text())


@lru_cache(maxsize=1)
def master_aead() -> aead.Aead:
    handle = tink.json_proto_keyset_format.parse(_master_keyset_json(), secret_key_access.TOKEN)
    return handle.primitive(aead.Aead)


def generate_master_key() -> str:
    """A new master key as Tink JSON, for operators (``manage.py generate_master_key``)."""
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
    return str(tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN))


def _keyset_associated_data(beneficiary_code: Any) -> bytes:
    # Binds a wrapped keyset to its owner: a keyset copied onto another row will not open.
    return b"coffre:keyset:v1:" + str(beneficiary_code).encode()


def new_wrapped_keyset(beneficiary_code: Any) -> str:
    handle = tink.new_keyset_handle(BLOB_KEY_TEMPLATE)
    return str(
        tink.json_proto_keyset_format.serialize_encrypted(
            handle, master_aead(), _keyset_associated_data(beneficiary_code)
        )
    )


@lru_cache(maxsize=256)
def _streaming_primitive(
    wrapped_keyset: str, beneficiary_code: str
) -> streaming_aead.StreamingAead:
    handle = tink.json_proto_keyset_format.parse_encrypted(
        wrapped_keyset, master_aead(), _keyset_associated_data(beneficiary_code)
    )
    return handle.primitive(streaming_aead.StreamingAead)


def streaming_primitive_for(beneficiary: "Beneficiary") -> streaming_aead.StreamingAead:
    """The beneficiary's blob cipher, creating their keyset on first use."""
    from .models import BeneficiaryKeyset

    try:
        keyset = beneficiary.keyset
    except BeneficiaryKeyset.DoesNotExist:
        keyset, _ = BeneficiaryKeyset.objects.get_or_create(
            beneficiary=beneficiary,
            defaults={"wrapped_keyset": new_wrapped_keyset(beneficiary.code)},
        )
    return _streaming_primitive(keyset.wrapped_keyset, str(beneficiary.code))


def clear_caches() -> None:
    master_aead.cache_clear()
    _streaming_primitive.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting.startswith("COFFRE_MASTER_KEY"):
        clear_caches()
