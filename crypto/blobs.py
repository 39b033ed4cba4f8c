"""Encrypted blobs in the Django storage: streamed in, streamed out, never whole in memory.

Each blob is one Tink StreamingAead ciphertext (AES256_GCM_HKDF_1MB) under the owner's keyset. The
associated data names the owner and the blob, so a blob moved to another vault or swapped for
another blob fails to decrypt. Storage keys are random and say nothing about the person.
"""

import io
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO

import tink
from django.core.files.storage import FileSystemStorage, Storage, storages

from .keys import streaming_primitive_for

if TYPE_CHECKING:
    from accounts.models import Beneficiary

logger = logging.getLogger(__name__)

READ_CHUNK_SIZE = 1024 * 1024  # one Tink segment: fewer, larger socket writes
# Enough plaintext to recognise a file type and read image dimensions from the header.
HEAD_SIZE = 64 * 1024


class BlobIntegrityError(Exception):
    """A stored blob failed authentication: corrupted, truncated, swapped or keys lost."""


def blob_storage() -> Storage:
    return storages["blobs"]


def storage_key_for(blob_code: uuid.UUID) -> str:
    return f"{blob_code.hex[:2]}/{blob_code.hex}"


def associated_data(owner_code: Any, blob_code: Any) -> bytes:
    return f"coffre:blob:v1:{owner_code}:{blob_code}".encode()


class EncryptingWriter:
    """Write plaintext in chunks; it lands in storage encrypted. ``abort()`` leaves nothing.

    No hash here: the processing task hashes the (authenticated) plaintext once, off the request.
    """

    def __init__(self, owner: "Beneficiary", blob_code: uuid.UUID | None = None) -> None:
        self.owner = owner
        self.code = blob_code or uuid.uuid4()
        self.storage_key = storage_key_for(self.code)
        self.size = 0
        self.head = bytearray()
        self._storage = blob_storage()
        if isinstance(self._storage, FileSystemStorage):
            directory = os.path.dirname(self._storage.path(self.storage_key))
            os.makedirs(directory, mode=0o700, exist_ok=True)
        primitive = streaming_primitive_for(owner)
        self._destination = self._storage.open(self.storage_key, "wb")
        self._stream = primitive.new_encrypting_stream(
            self._destination, associated_data(owner.code, self.code)
        )
        self.closed = False

    def write(self, data: bytes) -> None:
        if len(self.head) < HEAD_SIZE:
            self.head += data[: HEAD_SIZE - len(self.head)]
        self.size += len(data)
        self._stream.write(data)

    def close(self) -> None:
        """Finish the ciphertext (writes the last segment and the tag, closes the storage file)."""
        if not self.closed:
            self.closed = True
            self._stream.close()
            if isinstance(self._storage, FileSystemStorage):
                os.chmod(self._storage.path(self.storage_key), 0o600)

    def abort(self) -> None:
        try:
            self.close()
        except Exception:  # the stream may already be broken; the delete below still runs
            logger.warning("closing an aborted blob failed", exc_info=True)
        self._storage.delete(self.storage_key)

    def __enter__(self) -> "EncryptingWriter":
        return self

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@contextmanager
def open_plaintext(
    owner: "Beneficiary", blob_code: uuid.UUID, storage_key: str
) -> Iterator[BinaryIO]:
    primitive = streaming_primitive_for(owner)
    source = blob_storage().open(storage_key, "rb")
    try:
        stream = primitive.new_decrypting_stream(source, associated_data(owner.code, blob_code))
        try:
            yield stream
        finally:
            stream.close()
    finally:
        source.close()


def iter_plaintext(
    owner: "Beneficiary", blob_code: uuid.UUID, storage_key: str, chunk_size: int = READ_CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield the decrypted content; raises BlobIntegrityError on any tampering."""
    try:
        with open_plaintext(owner, blob_code, storage_key) as stream:
            while True:
                chunk = stream.read(chunk_size)
                if not chunk:
                    return
                yield chunk
    except tink.TinkError as error:
        logger.error("blob %s failed authentication: %s", blob_code, error)
        raise BlobIntegrityError(str(blob_code)) from error


class _KeptOpen(io.BytesIO):
    """Tink closes the destination with the stream; the sealed bytes must outlive that."""

    def close(self) -> None:
        pass


def _sealed_data(owner_code: Any, context: str) -> bytes:
    return f"coffre:sealed:v1:{owner_code}:{context}".encode()


def seal(owner: "Beneficiary", plaintext: bytes, context: str) -> bytes:
    """Encrypt a small value for the database (OCR text) under the owner's keyset.

    ``context`` (e.g. ``document:<code>``) is bound as associated data: a sealed value copied
    to another row or another person does not open.
    """
    destination = _KeptOpen()
    stream = streaming_primitive_for(owner).new_encrypting_stream(
        destination, _sealed_data(owner.code, context)
    )
    stream.write(plaintext)
    stream.close()
    return destination.getvalue()


def unseal(owner: "Beneficiary", sealed: bytes, context: str) -> bytes:
    """The plaintext of ``seal``; raises BlobIntegrityError if altered, moved or keys lost."""
    try:
        stream = streaming_primitive_for(owner).new_decrypting_stream(
            io.BytesIO(bytes(sealed)), _sealed_data(owner.code, context)
        )
        with stream:
            return stream.read()
    except tink.TinkError as error:
        raise BlobIntegrityError(context) from error
