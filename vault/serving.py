"""Every file leaves through here: decrypted as it streams, never cached, never sniffed."""

import logging
import queue
import threading
from collections.abc import Iterator
from urllib.parse import quote

from django.core import signing
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.text import slugify

from crypto.blobs import BlobIntegrityError, iter_plaintext

from .filetypes import EXTENSIONS
from .models import Blob

logger = logging.getLogger(__name__)


PREVIEW_SALT = "coffre.preview"
PREVIEW_MAX_AGE = 120  # seconds: long enough for a slow 3G page load


def preview_token(user_pk: int, document_code: object) -> str:
    """Lets the detail page (journaled as a look) show the picture without a second entry."""
    return signing.TimestampSigner(salt=PREVIEW_SALT).sign(f"{user_pk}:{document_code}")


def is_valid_preview(
    token: str, user_pk: int, document_code: object, max_age: int = PREVIEW_MAX_AGE
) -> bool:
    try:
        value = signing.TimestampSigner(salt=PREVIEW_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:
        return False
    return value == f"{user_pk}:{document_code}"


def safe_filename(title: str, media_type: str) -> str:
    stem = slugify(title)[:80] or "document"
    return stem + EXTENSIONS.get(media_type, "")


def content_disposition(filename: str, inline: bool) -> str:
    # ASCII fallback plus RFC 5987 form: no quotes, no path separators, no header injection.
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "document"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


READ_AHEAD_CHUNKS = 1
_DONE = object()


def read_ahead(chunks: Iterator[bytes], depth: int = READ_AHEAD_CHUNKS) -> Iterator[bytes]:
    """Decrypt the next chunks on a helper thread while this one sends the current chunk.

    Tink holds the GIL while it decrypts but socket writes release it, so the two overlap; the
    bounded queue keeps memory flat. The helper stops as soon as the client goes away.
    """
    pending: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the sending thread, which raises it
            put(error)

    helper = threading.Thread(target=produce, name="coffre-read-ahead", daemon=True)
    helper.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        helper.join()


UNCHECKED = "application/octet-stream"


def blob_response(
    blob: Blob, title: str, inline: bool = False, checked: bool = True
) -> HttpResponseBase:
    """Stream a blob. ``checked=False`` (a paper not yet through the processing checks, or
    refused by them) sends it as opaque bytes to save, never as something to open."""
    chunks = iter_plaintext(blob.owner, blob.code, blob.storage_key)
    try:
        # Read the first segment before answering: a damaged blob gets a clear error page
        # instead of a broken download.
        first = next(chunks, b"")
    except BlobIntegrityError:
        return HttpResponse(render_to_string("vault/damaged.html"), status=500)

    def stream() -> Iterator[bytes]:
        yield first
        try:
            # The first chunk opened the keyset (database) on this thread; the rest is only
            # storage reads and decryption, safe on the helper thread.
            yield from read_ahead(chunks)
        except BlobIntegrityError:
            # Headers are gone: cut the connection so the client sees an incomplete download.
            logger.error("blob %s failed mid-stream; download aborted", blob.code)
            raise

    media_type = blob.media_type if checked else UNCHECKED
    inline = inline and checked
    response = StreamingHttpResponse(stream(), content_type=media_type)
    response["Content-Length"] = str(blob.size)
    response["Content-Disposition"] = content_disposition(safe_filename(title, media_type), inline)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
