"""Master key (KEK) and per-beneficiary Tink keysets.

The master key comes from a ``MasterKeySource`` (``COFFRE_MASTER_KEY_SOURCE``, a dotted path): by
default ``EnvironmentMasterKey``, a Tink AEAD keyset in ``COFFRE_MASTER_KEY`` (JSON) or, with
nothing set, one generated under ``var/`` on first use (system check ``coffre.W001`` warns). A KMS
source only has to provide the same two methods.

Rotation adds a key to a keyset and makes it primary; older keys stay, so everything written
before still opens (see ``crypto.rotation``).
"""

import logging
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import tink
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from tink import aead, secret_key_access, streaming_aead
from tink.proto import tink_pb2

if TYPE_CHECKING:
    from accounts.models import Beneficiary

logger = logging.getLogger(__name__)

aead.register()
streaming_aead.register()

BLOB_KEY_TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
MASTER_KEY_TEMPLATE = aead.aead_key_templates.AES256_GCM
_generate_lock = threading.Lock()


class MasterKeySource(Protocol):
    def aead(self) -> aead.Aead:
        """Encrypts and decrypts keysets (any key of the master keyset decrypts)."""

    def primary_key_id(self) -> int:
        """The id of the key that wraps new keysets."""


class EnvironmentMasterKey:
    """A Tink AEAD keyset from ``COFFRE_MASTER_KEY``, else generated under ``var/``."""

    def __init__(self) -> None:
        self._handle = tink.json_proto_keyset_format.parse(
            self._keyset_json(), secret_key_access.TOKEN
        )

    @staticmethod
    def _keyset_json() -> str:
        if settings.COFFRE_MASTER_KEY:
            return str(settings.COFFRE_MASTER_KEY)
        path = settings.COFFRE_MASTER_KEY_PATH
        with _generate_lock:
            if not path.exists():
                logger.warning("No COFFRE_MASTER_KEY set: generating a master key in %s", path)
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as out:
                    out.write(generate_master_key())
        return str(path.read_text())

    def aead(self) -> aead.Aead:
        return self._handle.primitive(aead.Aead)

    def primary_key_id(self) -> int:
        return int(self._handle.keyset_info().primary_key_id)


@lru_cache(maxsize=1)
def master_key() -> MasterKeySource:
    source: MasterKeySource = import_string(settings.COFFRE_MASTER_KEY_SOURCE)()
    return source


def master_aead() -> aead.Aead:
    return master_key().aead()


def generate_master_key() -> str:
    """A new master key as Tink JSON, for operators (``manage.py master_key generate``)."""
    handle = tink.new_keyset_handle(MASTER_KEY_TEMPLATE)
    return str(tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN))


def with_new_primary(handle: tink.KeysetHandle, template: Any) -> tink.KeysetHandle:
    """The same keyset plus one fresh key, made primary. The old keys stay for decryption."""
    keyset = tink_pb2.Keyset.FromString(
        tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
    )
    fresh = tink_pb2.Keyset.FromString(
        tink.proto_keyset_format.serialize(
            tink.new_keyset_handle(template), secret_key_access.TOKEN
        )
    )
    used = {key.key_id for key in keyset.key}
    new_key = fresh.key[0]
    while new_key.key_id in used:  # ids are random 32-bit numbers: a clash is rare but possible
        fresh = tink_pb2.Keyset.FromString(
            tink.proto_keyset_format.serialize(
                tink.new_keyset_handle(template), secret_key_access.TOKEN
            )
        )
        new_key = fresh.key[0]
    keyset.key.append(new_key)
    keyset.primary_key_id = new_key.key_id
    return tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)


def keyset_associated_data(beneficiary_code: Any) -> bytes:
    # Binds a wrapped keyset to its owner: a keyset copied onto another row will not open.
    return b"coffre:keyset:v1:" + str(beneficiary_code).encode()


def wrap(handle: tink.KeysetHandle, beneficiary_code: Any) -> str:
    return str(
        tink.json_proto_keyset_format.serialize_encrypted(
            handle, master_aead(), keyset_associated_data(beneficiary_code)
        )
    )


def unwrap(wrapped_keyset: str, beneficiary_code: Any) -> tink.KeysetHandle:
    return tink.json_proto_keyset_format.parse_encrypted(
        wrapped_keyset, master_aead(), keyset_associated_data(beneficiary_code)
    )


def new_wrapped_keyset(beneficiary_code: Any) -> str:
    return wrap(tink.new_keyset_handle(BLOB_KEY_TEMPLATE), beneficiary_code)


@lru_cache(maxsize=256)
def _streaming_primitive(
    wrapped_keyset: str, beneficiary_code: str
) -> streaming_aead.StreamingAead:
    return unwrap(wrapped_keyset, beneficiary_code).primitive(streaming_aead.StreamingAead)


def streaming_primitive_for(beneficiary: "Beneficiary") -> streaming_aead.StreamingAead:
    """The beneficiary's blob cipher, creating their keyset on first use."""
    from .models import BeneficiaryKeyset

    try:
        keyset = beneficiary.keyset
    except BeneficiaryKeyset.DoesNotExist:
        keyset, _ = BeneficiaryKeyset.objects.get_or_create(
            beneficiary=beneficiary,
            defaults={
                "wrapped_keyset": new_wrapped_keyset(beneficiary.code),
                "master_key_id": master_key().primary_key_id(),
            },
        )
    return _streaming_primitive(keyset.wrapped_keyset, str(beneficiary.code))


def clear_caches() -> None:
    master_key.cache_clear()
    _streaming_primitive.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting.startswith("COFFRE_MASTER_KEY"):
        clear_caches()
