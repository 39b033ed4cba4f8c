"""Uploads encrypted as they stream in: a Django upload handler feeding the encrypting stream.

A large upload never lands on disk in clear, and memory stays flat. Each file is checked while it
arrives, with what a stream allows: size limit, quota, real type from its first bytes, no
HTML/script/PHP/ZIP hidden in its first bytes nor a ZIP end record in its last bytes (the handler
keeps both ends: ``vault/filetypes.py``), pixel count from a picture's header when it is in the
first bytes, and — when an antivirus is configured — clamd's verdict, each chunk being sent to
clamd as it is encrypted (``vault/antivirus.py``; clamd unreachable: refused, try again later).
A refused or broken file leaves nothing behind in storage.

What needs the whole file (a full picture decode, PDF structure and active content) is checked
by the processing task (``vault/tasks.py``), which also repeats the checks above.
"""

import io
import logging
import os
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from PIL import Image

from accounts.models import Beneficiary
from crypto.blobs import EncryptingWriter

from .antivirus import ScannerUnavailable, StreamScanner, open_scanner
from .filetypes import (
    HEAD_SIZE,
    SNIFF_SIZE,
    ZIP_TAIL_SIZE,
    detect_media_type,
    has_zip_end_record,
    hidden_in_head,
)
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
    except Image.DecompressionBombError:  # Pillow's own limit, when it is set in this process
        return True
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
        self.scanner: StreamScanner | None = None
        self.media_type: str | None = None
        self.head_checked = False
        self.tail = bytearray()
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
        self.head_checked = False
        self.tail = bytearray()
        self.writer = EncryptingWriter(self.owner)
        try:
            self.scanner = open_scanner()
        except ScannerUnavailable:
            self._antivirus_unavailable()
            raise SkipFile from None

    def _reject(self, message: str) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        self._close_scanner()
        self.state.rejections.append(Rejection(self.display_name, message))

    def _close_scanner(self) -> None:
        if self.scanner is not None:
            self.scanner.close()
            self.scanner = None

    def _antivirus_unavailable(self) -> None:
        """Fail closed: no verdict, no file."""
        logger.error("antivirus unavailable: upload refused", exc_info=True)
        self._reject(
            _(
                "“%(name)s” could not be checked for viruses just now, so it was not added. "
                "Please try again later."
            )
            % {"name": self.display_name}
        )

    def _refuse_hidden_file(self) -> NoReturn:
        self._reject(
            _(
                "“%(name)s” hides another kind of file inside it. For your safety, we do not "
                "accept it."
            )
            % {"name": self.display_name}
        )
        raise SkipFile

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
        self._keep_tail(raw_data)
        if self.media_type is None and len(self.writer.head) >= SNIFF_SIZE:
            self._check_type()
        if not self.head_checked and len(self.writer.head) >= HEAD_SIZE:
            self._check_head()
        if self.scanner is not None:
            try:
                self.scanner.send(raw_data)
            except ScannerUnavailable:
                self._antivirus_unavailable()
                raise SkipFile from None
        return None

    def _keep_tail(self, data: bytes) -> None:
        if len(data) >= ZIP_TAIL_SIZE:
            self.tail = bytearray(data[-ZIP_TAIL_SIZE:])
        else:
            self.tail += data
            del self.tail[:-ZIP_TAIL_SIZE]

    def _check_head(self) -> None:
        """Once the first bytes are in (or the whole file, when smaller): refuse early."""
        assert self.writer is not None and self.media_type is not None
        self.head_checked = True
        head = bytes(self.writer.head)
        if hidden_in_head(head):
            self._refuse_hidden_file()
        if self.media_type.startswith("image/") and image_too_large(head, self.limits.max_pixels):
            self._reject(
                _("“%(name)s” is an image too large to open safely.") % {"name": self.display_name}
            )
            raise SkipFile

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
        try:
            if self.media_type is None:
                self._check_type()
            if not self.head_checked:
                self._check_head()
            if has_zip_end_record(bytes(self.tail)):
                self._refuse_hidden_file()
        except SkipFile:
            return None
        assert self.media_type is not None
        if self.scanner is not None and not self._clean_for_antivirus(self.scanner):
            return None
        writer.close()
        self.remaining -= writer.size
        self.writer = None
        upload = EncryptedUpload(writer, self.display_name, self.media_type)
        self.state.stored.append(upload)
        return upload

    def _clean_for_antivirus(self, scanner: StreamScanner) -> bool:
        self.scanner = None
        try:
            verdict = scanner.finish()
        except ScannerUnavailable:
            self._antivirus_unavailable()
            return False
        if verdict.infected:
            # The signature name only: file names say things about the person.
            logger.warning("upload refused: clamd found %s", verdict.signature)
            self._reject(
                _("“%(name)s” contains a virus, so it was not added.") % {"name": self.display_name}
            )
            return False
        return True

    def upload_interrupted(self) -> None:
        """The connection broke mid-file: remove what was written."""
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        self._close_scanner()

    def claim(self, upload: EncryptedUpload) -> None:
        """The upload became a Blob row: it must stay."""
        self.claimed.add(upload.writer.storage_key)

    def discard_unclaimed(self) -> None:
        """Remove every stored file that did not become a document (CSRF failure, error...)."""
        self.upload_interrupted()
        for upload in self.state.stored:
            if upload.writer.storage_key not in self.claimed:
                upload.writer.abort()
