"""Background work on documents (Django Tasks API; run by ``manage.py db_worker``)."""

import hashlib
import logging
import os
import tempfile

from django.conf import settings
from django.utils.translation import gettext_noop
from django_tasks import task
from PIL import Image

from crypto.blobs import BlobIntegrityError, iter_plaintext

from .models import Document

logger = logging.getLogger(__name__)

Image.MAX_IMAGE_PIXELS = None  # we enforce our own limit below, with a clear message


@task()
def process_document(document_id: int) -> str:
    """Read the stored original end to end, record its SHA-256, then mark the document ready.

    Decrypting authenticates every segment, so the hash is that of exactly what was deposited;
    images are also opened in full. The capture pipeline (crop, compress, OCR) adds its steps
    here. Failure keeps the original and says why.
    """
    document = Document.objects.select_related("original", "owner").get(pk=document_id)
    blob = document.original
    reason = ""
    fd, path = tempfile.mkstemp(prefix="coffre-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as plain:
            for chunk in iter_plaintext(document.owner, blob.code, blob.storage_key):
                digest.update(chunk)
                plain.write(chunk)
        if not blob.sha256:
            blob.sha256 = digest.hexdigest()
            blob.save(update_fields=["sha256"])
        elif digest.hexdigest() != blob.sha256:
            reason = gettext_noop("The stored file does not match what was sent.")
        if not reason and blob.media_type.startswith("image/"):
            reason = _check_image(path)
    except BlobIntegrityError:
        reason = gettext_noop("The stored file is damaged.")
    finally:
        os.unlink(path)
    if reason:
        document.state = Document.State.FAILED
        document.failure_reason = reason
    else:
        document.state = Document.State.READY
        document.page_count = 1 if blob.media_type.startswith("image/") else document.page_count
    document.save(update_fields=["state", "failure_reason", "page_count", "updated_at"])
    return document.state


def _check_image(path: str) -> str:
    if blob_is_heif(path):
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        with Image.open(path) as image:
            if image.width * image.height > settings.COFFRE_MAX_IMAGE_PIXELS:
                return gettext_noop("This picture is too large to open safely.")
            image.load()
    except Exception:
        logger.info("image check failed", exc_info=True)
        return gettext_noop("This picture could not be opened: it may be damaged.")
    return ""


def blob_is_heif(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(12)[4:8] == b"ftyp"
