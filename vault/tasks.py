"""Background work on documents (Django Tasks API; run by ``manage.py db_worker``).

``process_document`` is where a deposited file is checked in full (hostile uploads, OWASP ASVS 5
§5). The upload handler (``vault/uploads.py``) refuses early what it can see while the file
streams in; this task checks everything again on the whole decrypted file, so that a file that
arrives another way (imports, demo data) gets the same checks:

=====================================================  ===========================  ============
check                                                  upload handler (streaming)   this task
=====================================================  ===========================  ============
size, quota                                            yes                          –
real type from the first bytes                         yes                          yes
HTML/script/PHP or ZIP in the first bytes              yes                          yes
ZIP end record at the end of the file                  yes (keeps the last bytes)   yes
antivirus (clamd, optional)                            yes, as chunks arrive        –
picture too large (pixels)                             from the header, if seen     always
picture decodes in full; bytes after its end           –                            yes
PDF: password, broken, active content (``pdfcheck``)   –                            yes
=====================================================  ===========================  ============

A file refused here is marked *failed* with a plain reason and its original is kept (nothing is
lost, and the person sees why). But it is no longer vouched for as a PDF or a picture: its
``Blob.media_type`` becomes ``application/octet-stream``. From then on the one serving path
(``vault/serving.py``) hands it out only as an opaque file — a browser neither displays nor
sniffs ``application/octet-stream`` under ``nosniff``, whether asked for "inline" or not, and
the response is sandboxed anyway; the detail page shows no preview (``Document.is_image``) — and
this task leaves it alone if run again. Integrity failures (a damaged blob) keep the type: such a
blob cannot be served at all.
"""

import logging
import os

from django.conf import settings
from django.utils.translation import gettext_noop
from django_tasks import task
from PIL import Image

from . import filetypes
from .filetypes import (
    HEAD_SIZE,
    HEIC,
    PDF,
    ZIP_TAIL_SIZE,
    detect_media_type,
    has_zip_end_record,
    hidden_in_head,
    hostile_trailer,
    image_end,
)
from .pdfcheck import check_pdf

logger = logging.getLogger(__name__)

Image.MAX_IMAGE_PIXELS = None  # we enforce our own limit below, with a clear message

NOT_ACCEPTED = gettext_noop("This file is not a kind of file we accept.")
HIDDEN_FILE = gettext_noop(
    "This file hides another kind of file inside it. For your safety we do not open it."
)
TOO_LARGE = gettext_noop("This picture is too large to open safely.")
DAMAGED_PICTURE = gettext_noop("This picture could not be opened: it may be damaged.")

# What Pillow must find in a file whose signature said this type.
PILLOW_FORMATS = {
    filetypes.JPEG: {"JPEG", "MPO"},  # MPO: phones' multi-picture JPEG
    filetypes.PNG: {"PNG"},
    filetypes.WEBP: {"WEBP"},
    filetypes.HEIC: {"HEIF"},
}


@task()
def process_document(document_id: int) -> str:
    """Check every new original in full, then make the paper's PDF (``vault/pipeline.py``)."""
    from . import pipeline

    return pipeline.process(document_id)


@task()
def requeue_stalled_documents() -> int:
    """Periodic: papers a crashed worker left half-done go through the pipeline again."""
    from . import pipeline

    return pipeline.requeue_stalled()


def check_content(path: str, media_type: str) -> str:
    """Why this decrypted file must be refused (a msgid to show the person), or ""."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(HEAD_SIZE)
        if detect_media_type(head) != media_type:
            return NOT_ACCEPTED
        if hidden_in_head(head):
            return HIDDEN_FILE
        handle.seek(max(0, size - ZIP_TAIL_SIZE))
        if has_zip_end_record(handle.read()):
            return HIDDEN_FILE
        if media_type == PDF:
            return check_pdf(path)
        end = image_end(handle, media_type, size)
        if end is not None and end < size:
            # Phones write motion-photo videos and extra pictures there: inert, unless hostile.
            if hostile_trailer(handle, end):
                return HIDDEN_FILE
            logger.info("picture with %d bytes after its end: inert, kept", size - end)
    return check_picture(path, media_type)


def check_picture(path: str, media_type: str) -> str:
    """Pixels under COFFRE_MAX_IMAGE_PIXELS (read before decoding), then a full decode."""
    if media_type == HEIC:
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        with Image.open(path) as image:
            if image.format not in PILLOW_FORMATS.get(media_type, set()):
                return DAMAGED_PICTURE
            if image.width * image.height > settings.COFFRE_MAX_IMAGE_PIXELS:
                return TOO_LARGE
            image.load()
    except Image.DecompressionBombError:
        return TOO_LARGE
    except Exception:
        logger.info("image check failed", exc_info=True)
        return DAMAGED_PICTURE
    return ""
