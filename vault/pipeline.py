"""The capture pipeline: from deposited files to one clean, small, searchable PDF.

Runs in the ``process_document`` task (``vault/tasks.py``), off the request:

1. claim the paper (row lock), count the attempt, note the start (a crashed worker is noticed by
   ``requeue_stalled`` and the paper goes through again);
2. decrypt each original not yet in the PDF, hash it, check it in full (``tasks.check_content``);
3. pictures: EXIF orientation, outline and perspective, deskew, orientation, lighting, colour or
   grey, compression (``vault.capture.imaging``) → PDF pages; PDFs: kept, optimised losslessly;
   pages added later are appended to the existing PDF;
4. OCR (when Tesseract is installed) or the PDF's own text; machine-readable zone; suggested type;
5. thumbnail of the first page;
6. one transaction swaps the new blobs in and marks the originals included; old derived blobs
   are deleted after commit. Any failure removes what this run wrote: the originals and the
   previous PDF are never touched, so a failure or a crash loses nothing.
"""

import dataclasses
import hashlib
import io
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from PIL import Image

from crypto.blobs import BlobIntegrityError, EncryptingWriter, iter_plaintext, seal, unseal

from . import doctypes, mrz
from .capture import imaging, ocr, pdf, preview
from .filetypes import OPAQUE, PDF
from .models import Blob, Document, Original

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 240
OCR_MAX_PDF_PAGES = 10  # scanned PDFs without text: OCR the first pages only (time, not size)
MAX_ATTEMPTS = 3

WORK_PREFIX = "coffre-work-"
LEFTOVER_AFTER = timedelta(hours=1)


def work_dir() -> str:
    """Where decrypted files are worked on: a private directory of our own (0700), so that what
    a killed worker leaves behind is found and removed (``sweep_leftovers``), not left in /tmp."""
    path = settings.COFFRE_WORK_DIR
    os.makedirs(path, mode=0o700, exist_ok=True)
    return str(path)


def sweep_leftovers() -> int:
    """Remove work directories older than an hour: a worker or server killed mid-work."""
    import shutil
    import time

    root = work_dir()
    removed = 0
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if name.startswith(WORK_PREFIX) and time.time() - os.path.getmtime(path) > (
            LEFTOVER_AFTER.total_seconds()
        ):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


COULD_NOT_PREPARE = gettext_noop(
    "We could not prepare this paper. You can try again; if it fails again, your file is still "
    "safe and can be opened as it was sent."
)
DAMAGED = gettext_noop("The stored file is damaged.")
MISMATCH = gettext_noop("The stored file does not match what was sent.")


class Superseded(Exception):
    """Another run prepared these originals first: its result stands, this one is dropped."""


class Refused(Exception):
    """An original failed the content checks: the paper is marked failed with this reason."""

    def __init__(self, reason: str, original: Original | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.original = original


@dataclass
class Extracted:
    """What the pipeline read on the paper; sealed in ``Document.sealed_text``."""

    text: str = ""
    mrz: dict[str, Any] | None = None

    def to_json(self) -> bytes:
        return json.dumps({"text": self.text, "mrz": self.mrz}, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Extracted":
        loaded = json.loads(data)
        return cls(text=loaded.get("text", ""), mrz=loaded.get("mrz"))


def sealed_context(document: Document) -> str:
    return f"document:{document.code}:text"


def extracted_of(document: Document) -> Extracted:
    """The paper's OCR text and MRZ fields, decrypted; empty when there are none."""
    if not document.sealed_text:
        return Extracted()
    try:
        return Extracted.from_json(
            unseal(document.owner, bytes(document.sealed_text), sealed_context(document))
        )
    except BlobIntegrityError:
        logger.error("sealed text of document %s does not open", document.pk)
        return Extracted()


def mrz_as_dict(fields: mrz.MrzFields) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in dataclasses.asdict(fields).items()
        if key != "lines"
    }


@dataclass
class Run:
    """One pass of the pipeline over one paper, with the temporary files it owns."""

    document: Document
    workdir: str
    pending: list[Original] = field(default_factory=list)
    written: list[EncryptingWriter] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def path(self, name: str) -> str:
        return os.path.join(self.workdir, name)

    def decrypt(self, blob: Blob, name: str) -> str:
        """Decrypt a blob to a private temporary file; hash it (first time) or check its hash."""
        target = self.path(name)
        digest = hashlib.sha256()
        try:
            with open(target, "wb") as plain:
                for chunk in iter_plaintext(self.document.owner, blob.code, blob.storage_key):
                    digest.update(chunk)
                    plain.write(chunk)
        except BlobIntegrityError:
            raise Refused(DAMAGED) from None
        if not blob.sha256:
            blob.sha256 = digest.hexdigest()
            blob.save(update_fields=["sha256"])
        elif digest.hexdigest() != blob.sha256:
            raise Refused(MISMATCH)
        return target

    def store(self, data: bytes | str, media_type: str) -> Blob:
        """Encrypt bytes (or a file path) as a new blob of the owner; row created by ``commit``."""
        writer = EncryptingWriter(self.document.owner)
        self.written.append(writer)
        if isinstance(data, str):
            with open(data, "rb") as source:
                while chunk := source.read(1024 * 1024):
                    writer.write(chunk)
        else:
            writer.write(data)
        writer.close()
        return Blob(
            code=writer.code,
            owner=self.document.owner,
            storage_key=writer.storage_key,
            size=writer.size,
            media_type=media_type,
            sha256="",
            depositor=self.document.created_by,
        )

    def discard(self) -> None:
        for writer in self.written:
            writer.abort()


def claim(document_id: int) -> Document | None:
    """Lock the paper and note this attempt; None when there is nothing (left) to do."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("file", "owner", "created_by")
            .filter(pk=document_id)
            .first()
        )
        if document is None:  # deleted meanwhile
            return None
        if document.state != Document.State.PROCESSING:
            return None  # done by another run, or failed and waiting for the person's retry
        document.attempts += 1
        document.processing_started_at = timezone.now()
        document.save(update_fields=["attempts", "processing_started_at"])
        return document


def process(document_id: int) -> str:
    document = claim(document_id)
    if document is None:
        return "skipped"
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=work_dir()) as work:
        run = Run(document, work)
        try:
            run.pending = list(document.originals.filter(included=False).select_related("blob"))
            result = build(run)
            commit(run, *result)
        except Superseded:
            run.discard()
            return "skipped"
        except Refused as refusal:
            run.discard()
            fail(document, refusal.reason, refusal.original)
        except Exception:
            logger.exception("the pipeline failed on document %s", document.pk)
            run.discard()
            fail(document, COULD_NOT_PREPARE)
    document.refresh_from_db(fields=["state"])
    return str(document.state)


def build(run: Run) -> tuple[Blob | None, Blob | None, int, Extracted, str]:
    """New served file (None: keep the current one), thumbnail, pages, text, suggested type."""
    from .tasks import check_content

    document = run.document
    previous = extracted_of(document)
    parts: list[str] = []
    current_is_pdf = document.file.media_type == PDF
    # First run: the served file is still the first deposit. Later runs (pages added) build on
    # the current file, even when the originals it was made from were deleted.
    first_time = any(original.blob_id == document.file_id for original in run.pending)
    if not first_time:
        if current_is_pdf:
            parts.append(run.decrypt(document.file, "current.pdf"))
        elif all(original.blob_id != document.file_id for original in run.pending):
            # A paper kept as a picture (before this pipeline) gets pages: it becomes page one.
            run.pending.insert(0, Original(document=document, blob=document.file, position=-1))
    reused: Blob | None = None
    pictures: list[tuple[bytes, str, int]] = []

    def flush_pictures() -> None:
        if pictures:
            name = run.path(f"pictures-{len(parts)}.pdf")
            with open(name, "wb") as out:
                out.write(pdf.images_to_pdf(list(pictures)))
            parts.append(name)
            pictures.clear()

    for index, original in enumerate(run.pending):
        path = run.decrypt(original.blob, f"original-{index}")
        reason = check_content(path, original.blob.media_type)
        if reason:
            raise Refused(reason, original)
        if original.blob.media_type == PDF:
            flush_pictures()
            optimised = run.path(f"optimised-{index}.pdf")
            if pdf.optimise_pdf(path, optimised):
                parts.append(optimised)
            else:
                parts.append(path)
                if first_time and len(run.pending) == 1:
                    reused = original.blob  # nothing gained: serve the deposit itself
            run.texts.append(pdf_text_or_ocr(path))
        else:
            page = imaging.clean_page(imaging.load_image(path))
            text = ocr_text(page.image)
            landscape = page.image.width > page.image.height  # cards, not coloured letters
            if page.colour and landscape and ocr.available() and mrz.find_mrz(text) is None:
                text = upside_down_card(page) or text
            data, media_type = imaging.encode_page(page)
            pictures.append((data, media_type, page.dpi))
            run.texts.append(text)
    flush_pictures()

    if reused is not None or len(parts) == 1:
        result_path = parts[0]
    else:
        result_path = run.path("result.pdf")
        pdf.merge_pdfs(parts, result_path)
    pages = pdf.page_count(result_path)
    new_file = None if reused is not None else run.store(result_path, PDF)
    thumbnail = run.store(preview.thumbnail(result_path, THUMBNAIL_WIDTH), "image/jpeg")

    text = "\n\n".join(filter(None, [previous.text, *run.texts])).strip()
    found = mrz.find_mrz(text) if text else None
    extracted = Extracted(text=text, mrz=mrz_as_dict(found) if found else previous.mrz)
    suggestion = doctypes.suggest_type(text, found) or ""
    if reused is not None:
        new_file = reused
    return new_file, thumbnail, pages, extracted, suggestion


def upside_down_card(page: imaging.ProcessedPage) -> str:
    """Tesseract's orientation guess is unreliable on cards (their zone reads as well upside
    down), so a card whose zone was not found is read once more turned round; if the zone is
    found that way, the page is turned. Returns the text of the turned page, or ""."""
    turned = page.image.rotate(180)
    text = ocr_text(turned)
    if text and mrz.find_mrz(text) is not None:
        page.image = turned
        page.rotated_by = (page.rotated_by + 180) % 360
        return text
    return ""


def ocr_text(image: Image.Image) -> str:
    if not ocr.available():
        return ""
    try:
        return ocr.ocr_image(image)
    except ocr.OcrError:
        logger.warning("OCR failed on a page; the page is kept without text", exc_info=True)
        return ""


def pdf_text_or_ocr(path: str) -> str:
    """A born-digital PDF has its own text; a scanned one is read by OCR (first pages)."""
    text = pdf.pdf_text(path).strip()
    if text or not ocr.available():
        return text
    texts = []
    for index in range(min(pdf.page_count(path), OCR_MAX_PDF_PAGES)):
        try:
            rendered = preview.render_page(path, index, 1700)
        except preview.PreviewError:
            break
        with Image.open(io.BytesIO(rendered)) as image:
            texts.append(ocr_text(image.convert("L")))
    return "\n".join(texts)


def commit(
    run: Run,
    new_file: Blob | None,
    thumbnail: Blob | None,
    pages: int,
    extracted: Extracted,
    suggestion: str,
) -> None:
    """Swap the new blobs in, in one transaction; old derived blobs go after commit."""
    from .services import delete_blobs

    document = run.document
    with transaction.atomic():
        locked = (
            Document.objects.select_for_update(of=("self",))
            .select_related("file", "thumbnail")
            .get(pk=document.pk)
        )
        pending_ids = [original.pk for original in run.pending if original.pk]
        still_pending = Original.objects.filter(pk__in=pending_ids, included=False).count()
        if still_pending != len(pending_ids) or locked.state != Document.State.PROCESSING:
            raise Superseded
        kept_blob_ids = set(locked.originals.values_list("blob_id", flat=True))
        old = [locked.file, locked.thumbnail]
        for blob in (new_file, thumbnail):
            if blob is not None and blob.pk is None:
                blob.save()
        if new_file is not None:
            locked.file = new_file
        locked.thumbnail = thumbnail
        Original.objects.filter(pk__in=pending_ids).update(included=True)
        locked.page_count = pages
        locked.sealed_text = (
            seal(locked.owner, extracted.to_json(), sealed_context(locked))
            if extracted.text or extracted.mrz
            else None
        )
        locked.suggested_type = suggestion if suggestion != locked.doc_type else ""
        locked.fields_to_confirm = bool(extracted.mrz) and not locked.expires_on
        # Pages added while this run worked are not in this PDF yet: one more run for them.
        added_meanwhile = locked.originals.filter(included=False).exists()
        locked.state = Document.State.PROCESSING if added_meanwhile else Document.State.READY
        locked.failure_reason = ""
        locked.save()
        if added_meanwhile:
            from .tasks import process_document

            transaction.on_commit(lambda: process_document.enqueue(locked.pk))
        in_use = {locked.file_id, locked.thumbnail_id}
        delete_blobs(
            blob
            for blob in old
            if blob is not None and blob.pk not in in_use and blob.pk not in kept_blob_ids
        )
    run.written.clear()  # now owned by the rows


def fail(document: Document, reason: str, refused: Original | None = None) -> None:
    """Keep everything deposited; say why in plain words; offer a retry unless refused."""
    with transaction.atomic():
        locked = Document.objects.select_for_update(of=("self",)).get(pk=document.pk)
        if locked.state != Document.State.PROCESSING:
            return  # another run finished it meanwhile: its result stands
        locked.state = Document.State.FAILED
        locked.failure_reason = reason
        locked.save(update_fields=["state", "failure_reason", "updated_at"])
        if refused is not None and reason not in (DAMAGED, MISMATCH):
            # No longer vouched for as a PDF or picture: served only as an opaque file.
            Blob.objects.filter(pk=refused.blob_id).update(media_type=OPAQUE)


def can_retry(document: Document) -> bool:
    """Only a paper the pipeline could not prepare: refused content would be refused again."""
    return document.state == Document.State.FAILED and document.failure_reason == COULD_NOT_PREPARE


def requeue_stalled() -> int:
    """Papers left half-done by a worker that died: queue them again, or give up after
    MAX_ATTEMPTS (a file that kills the worker every time must not loop forever)."""
    from .tasks import process_document

    sweep_leftovers()
    limit = timezone.now() - timedelta(seconds=settings.COFFRE_STALLED_AFTER_SECONDS)
    stalled = Document.objects.filter(state=Document.State.PROCESSING, updated_at__lt=limit)
    stalled = stalled.exclude(processing_started_at__gte=limit)
    count = 0
    for document in stalled:
        if document.attempts >= MAX_ATTEMPTS:
            fail(document, COULD_NOT_PREPARE)
            continue
        # Counted as started now: the next sweep leaves it alone while it waits in the queue.
        Document.objects.filter(pk=document.pk).update(processing_started_at=timezone.now())
        process_document.enqueue(document.pk)
        count += 1
    return count
