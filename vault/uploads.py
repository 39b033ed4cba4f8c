"""Uploads encrypted as they stream in: a Django upload handler feeding the encrypting stream.

A large upload never lands on disk in clear, and memory stays flat. Each file is checked while it
arrives (size limit, quota, real type from its first bytes); a refused or broken file leaves
nothing behind in storage.
"""

import io
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from PIL import Image

from accounts.models import Beneficiary
from crypto.blobs import EncryptingWriter

from .filetypes import SNIFF_SIZE, detect_media_type
from .lib import human_size

logger = logging.getLogger(__name__)


class EncryptedUpload(UploadedFile):
    """A file already stored encrypted; the view turns it into a Blob and a Document."""

    def __init__(self, writer: EncryptingWriter, name: str, media_type: str) -> None:
        super().__init__(file=None, name=name, content_type=media_type, size=writer.size)
        self.writer = writer
        self.media_type = media_type


@dataclass
class Rejection:
    file_name: str
    message: str


def image_too_large(head: bytes, max_pixels: int) -> bool:
    """Best effort from the header only; the processing task checks the whole image again."""
    try:
        with Image.open(io.BytesIO(head)) as image:
            width, height = image.size
    except Exception:  # header not in the first bytes: decided later, on the whole file
        return False
    return width * height > max_pixels


@dataclass
class UploadLimits:
    max_bytes: int
    quota_remaining: int
    max_pixels: int


@dataclass
class _State:
    stored: list[EncryptedUpload] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class EncryptingUploadHandler(FileUploadHandler):
    chunk_size = 256 * 1024

    def __init__(self, request: Any, owner: Beneficiary, limits: UploadLimits) -> None:
        super().__init__(request)
        self.owner = owner
        self.limits = limits
        self.remaining = limits.quota_remaining
        self.writer: EncryptingWriter | None = None
        self.media_type: str | None = None
        self.state = _State()
        self.claimed: set[str] = set()

    @property
    def stored(self) -> list[EncryptedUpload]:
        return self.state.stored

    @property
    def rejections(self) -> list[Rejection]:
        return self.state.rejections

    @property
    def display_name(self) -> str:
        return os.path.basename(str(self.file_name or "")).strip() or _("paper")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.media_type = None
        self.writer = EncryptingWriter(self.owner)

    def _reject(self, message: str) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        self.state.rejections.append(Rejection(self.display_name, message))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.writer is not None
        new_size = self.writer.size + len(raw_data)
        if new_size > self.limits.max_bytes:
            self._reject(
                _("“%(name)s” is too big: the limit is %(limit)s per file.")
                % {"name": self.display_name, "limit": human_size(self.limits.max_bytes)}
            )
            raise SkipFile
        if new_size > self.remaining:
            self._reject(
                _("“%(name)s” does not fit: your space is full. Delete papers you no longer need.")
                % {"name": self.display_name}
            )
            raise SkipFile
        self.writer.write(raw_data)
        if self.media_type is None and len(self.writer.head) >= SNIFF_SIZE:
            self._check_type()
        return None

    def _check_type(self) -> None:
        assert self.writer is not None
        self.media_type = detect_media_type(bytes(self.writer.head))
        if self.media_type is None:
            self._reject(
                _(
                    "“%(name)s” is not a kind of file we accept. Send a photo (JPEG, PNG, HEIC, "
                    "WebP) or a PDF."
                )
                % {"name": self.display_name}
            )
            raise SkipFile

    def file_complete(self, file_size: int) -> EncryptedUpload | None:
        writer = self.writer
        if writer is None:
            return None
        if file_size == 0:
            self._reject(_("“%(name)s” is empty.") % {"name": self.display_name})
            return None
        if self.media_type is None:
            try:
                self._check_type()
            except SkipFile:
                return None
        assert self.media_type is not None
        if self.media_type.startswith("image/") and image_too_large(
            bytes(writer.head), self.limits.max_pixels
        ):
            self._reject(
                _("“%(name)s” is an image too large to open safely.") % {"name": self.display_name}
            )
            return None
        writer.close()
        self.remaining -= writer.size
        self.writer = None
        upload = EncryptedUpload(writer, self.display_name, self.media_type)
        self.state.stored.append(upload)
        return upload

    def upload_interrupted(self) -> None:
        """The connection broke mid-file: remove what was written."""
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def claim(self, upload: EncryptedUpload) -> None:
        """The upload became a Blob row: it must stay."""
        self.claimed.add(upload.writer.storage_key)

    def discard_unclaimed(self) -> None:
        """Remove every stored file that did not become a document (CSRF failure, error...)."""
        self.upload_interrupted()
        for upload in self.state.stored:
            if upload.writer.storage_key not in self.claimed:
                upload.writer.abort()
