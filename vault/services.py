"""Workflows that span several models: turning uploads into documents, sharing, deleting."""

import logging
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.db import transaction

from accounts.models import Beneficiary, User
from crypto.blobs import EncryptingWriter, blob_storage
from journal.chain import record
from journal.models import JournalEntry
from structures.models import Structure

from .filetypes import PDF, detect_media_type
from .models import Blob, Document, Folder, Original, Visibility
from .uploads import EncryptedUpload, EncryptingUploadHandler

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)


def default_title(file_name: str) -> str:
    stem = PurePath(file_name).stem.replace("_", " ").strip()
    return stem[:200] or "Document"


def storage_used(beneficiary: Beneficiary) -> int:
    return Blob.objects.filter(owner=beneficiary).total_size()


def create_documents(
    *,
    owner: Beneficiary,
    actor: User,
    handler: EncryptingUploadHandler,
    uploads: list[EncryptedUpload],
    folder: Folder | None,
    visibility: str,
    structure: Structure | None = None,
    pages_together: bool = False,
) -> list[Document]:
    """Turn stored uploads into documents; the handler removes the blobs of any that fails.

    With ``pages_together``, the pictures (in the order sent) become the pages of one paper;
    each PDF stays a paper of its own.
    """
    documents = []
    pictures = [upload for upload in uploads if upload.media_type != PDF]
    if pages_together and len(pictures) > 1:
        document = _create_document(
            owner,
            actor,
            [(upload.writer, upload.media_type) for upload in pictures],
            pictures[0].name or "",
            folder,
            visibility,
            structure,
        )
        for upload in pictures:
            handler.claim(upload)
        documents.append(document)
        uploads = [upload for upload in uploads if upload.media_type == PDF]
    for upload in uploads:
        document = _create_document(
            owner,
            actor,
            [(upload.writer, upload.media_type)],
            upload.name or "",
            folder,
            visibility,
            structure,
        )
        handler.claim(upload)
        documents.append(document)
    return documents


def add_document(
    owner: Beneficiary,
    actor: User,
    name: str,
    chunks: Iterable[bytes],
    *,
    title: str = "",
    folder: Folder | None = None,
    visibility: str | None = None,
    structure: Structure | None = None,
) -> Document:
    """Store a file given as chunks (demo data, imports); same checks and path as an upload."""
    with EncryptingWriter(owner) as writer:
        for chunk in chunks:
            writer.write(chunk)
        media_type = detect_media_type(bytes(writer.head))
        if media_type is None or writer.size == 0:
            raise ValueError(f"{name}: not an accepted file type")
    try:
        return _create_document(
            owner,
            actor,
            [(writer, media_type)],
            name,
            folder,
            visibility or owner.default_visibility,
            structure,
            title=title,
        )
    except Exception:
        writer.abort()
        raise


def add_paper_from_pages(
    owner: Beneficiary,
    actor: User,
    title: str,
    pages: list[bytes],
    *,
    visibility: str | None = None,
) -> Document:
    """One paper from several pictures given as bytes (demo data, imports, tests)."""
    writers: list[tuple[EncryptingWriter, str]] = []
    try:
        for page in pages:
            with EncryptingWriter(owner) as writer:
                writer.write(page)
            media_type = detect_media_type(bytes(writer.head))
            writers.append((writer, media_type or ""))
            if media_type is None:
                raise ValueError(f"{title}: page {len(writers)} is not an accepted file type")
        return _create_document(
            owner, actor, writers, title, None, visibility or owner.default_visibility, None, title
        )
    except Exception:
        for writer, _ in writers:
            writer.abort()
        raise


def _blob_for(owner: Beneficiary, actor: User, writer: EncryptingWriter, media_type: str) -> Blob:
    return Blob.objects.create(
        code=writer.code,
        owner=owner,
        storage_key=writer.storage_key,
        size=writer.size,
        media_type=media_type,
        depositor=actor,
    )


def _create_document(
    owner: Beneficiary,
    actor: User,
    files: list[tuple[EncryptingWriter, str]],
    name: str,
    folder: Folder | None,
    visibility: str,
    structure: Structure | None,
    title: str = "",
) -> Document:
    from .tasks import process_document

    with transaction.atomic():
        blobs = [_blob_for(owner, actor, writer, media_type) for writer, media_type in files]
        document = Document.objects.create(
            owner=owner,
            title=title or default_title(name),
            folder=folder,
            file=blobs[0],  # served as deposited until the pipeline has made its PDF
            visibility=visibility,
            created_by=actor,
        )
        Original.objects.bulk_create(
            Original(document=document, blob=blob, position=position)
            for position, blob in enumerate(blobs)
        )
        record(owner, actor, JournalEntry.Action.DOCUMENT_UPLOADED, document, structure)
        transaction.on_commit(lambda: process_document.enqueue(document.pk))
    return document


def add_pages(
    document: Document,
    actor: User,
    handler: EncryptingUploadHandler,
    uploads: list[EncryptedUpload],
    structure: Structure | None = None,
) -> int:
    """Append uploads as new pages of a paper; the pipeline adds them to its PDF."""
    from .tasks import process_document

    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        last = document.originals.order_by("-position").values_list("position", flat=True)
        position = (last.first() or 0) + 1
        for upload in uploads:
            blob = _blob_for(document.owner, actor, upload.writer, upload.media_type)
            Original.objects.create(document=document, blob=blob, position=position)
            position += 1
            handler.claim(upload)
        document.state = Document.State.PROCESSING
        document.failure_reason = ""
        document.attempts = 0
        document.save(update_fields=["state", "failure_reason", "attempts", "updated_at"])
        record(
            document.owner,
            actor,
            JournalEntry.Action.PAGES_ADDED,
            document,
            structure,
            pages=len(uploads),
        )
        transaction.on_commit(lambda: process_document.enqueue(document.pk))
    return len(uploads)


def retry_processing(document: Document) -> None:
    """Queue the pipeline again for a paper it could not prepare (the originals are intact)."""
    from .tasks import process_document

    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, state=Document.State.FAILED).update(
            state=Document.State.PROCESSING, failure_reason="", processing_started_at=None
        )
        if updated:
            transaction.on_commit(lambda: process_document.enqueue(document.pk))


def deletable_originals(document: Document) -> list[Original]:
    """Originals whose pages are in the PDF and that are not themselves the served file."""
    return [
        original
        for original in document.originals.select_related("blob")
        if original.included and original.blob_id != document.file_id
    ]


def delete_originals(document: Document, actor: User) -> int:
    """Free space: drop the deposited photos once the paper's PDF holds their pages."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.state != Document.State.READY:
            return 0
        originals = deletable_originals(document)
        if not originals:
            return 0
        freed = sum(original.blob.size for original in originals)
        blobs = [original.blob for original in originals]
        Original.objects.filter(pk__in=[original.pk for original in originals]).delete()
        delete_blobs(blobs)
        record(document.owner, actor, JournalEntry.Action.ORIGINALS_DELETED, document)
    return freed


def acting_for(actor: User, owner: Beneficiary) -> Structure | None:
    """The structure a professional acts through for this person; None for the owner."""
    from . import policy

    if actor.pk == owner.user_id:
        return None
    return policy.acting_structure(actor, owner)


def record_access(actor: User, document: Document, action: str) -> None:
    """Journal a professional's look or download; the owner's own reads are not journaled."""
    if actor.pk != document.owner.user_id:
        record(document.owner, actor, action, document, acting_for(actor, document.owner))


def set_visibility(document: Document | Folder, actor: User, visibility: str) -> None:
    if document.visibility == visibility:
        return
    with transaction.atomic():
        document.visibility = visibility
        document.save(update_fields=["visibility", "updated_at"])
        action = (
            JournalEntry.Action.SHARED
            if visibility == Visibility.SHARED
            else JournalEntry.Action.UNSHARED
        )
        record(document.owner, actor, action, document)


def update_details(
    document: Document,
    actor: User,
    title: str,
    doc_type: str = "",
    structure: Structure | None = None,
) -> None:
    """Rename and/or change the kind of paper; each change is journaled."""
    old_title, old_type = document.title, document.doc_type
    new_type = doc_type or old_type
    if (title, new_type) == (old_title, old_type):
        return
    with transaction.atomic():
        document.title, document.doc_type = title, new_type
        document.save(update_fields=["title", "doc_type", "updated_at"])
        if title != old_title:
            record(
                document.owner,
                actor,
                JournalEntry.Action.DOCUMENT_RENAMED,
                document,
                structure,
                old_title=old_title,
            )
        if new_type != old_type:
            record(
                document.owner,
                actor,
                JournalEntry.Action.DOCUMENT_RETYPED,
                document,
                structure,
                old_type=old_type,
                new_type=new_type,
            )


def move_document(document: Document, actor: User, folder: Folder | None) -> None:
    with transaction.atomic():
        document.folder = folder
        document.save(update_fields=["folder", "updated_at"])
        record(
            document.owner,
            actor,
            JournalEntry.Action.DOCUMENT_MOVED,
            document,
            folder=folder.name if folder else "",
        )


def delete_document(document: Document, actor: User, structure: Structure | None = None) -> None:
    """Delete the rows, then the encrypted blobs (a blob without a row is an orphan, never data)."""
    blobs = document_blobs(document)
    with transaction.atomic():
        record(document.owner, actor, JournalEntry.Action.DOCUMENT_DELETED, document, structure)
        document.delete()
        delete_blobs(blobs)


def document_blobs(document: Document) -> list[Blob]:
    """Every stored blob of a document: served file, thumbnail, originals (each once)."""
    blobs: dict[int, Blob] = {document.file_id: document.file}
    if document.thumbnail is not None:
        blobs[document.thumbnail.pk] = document.thumbnail
    for original in document.originals.select_related("blob"):
        blobs[original.blob_id] = original.blob
    return [blob for blob in blobs.values() if blob is not None]


def delete_blobs(blobs: Iterable[Blob]) -> None:
    """Rows now (inside the caller's transaction), stored objects once it commits."""
    keys = []
    for blob in blobs:
        keys.append(blob.storage_key)
        blob.delete()
    transaction.on_commit(lambda: _delete_stored(keys))


def _delete_stored(keys: list[str]) -> None:
    storage = blob_storage()
    for key in keys:
        storage.delete(key)


def create_folder(owner: Beneficiary, actor: User, name: str) -> Folder:
    with transaction.atomic():
        folder = Folder.objects.create(
            owner=owner, name=name, created_by=actor, visibility=owner.default_visibility
        )
        record(owner, actor, JournalEntry.Action.FOLDER_CREATED, folder)
    return folder


def delete_folder(folder: Folder, actor: User) -> None:
    """Papers of a deleted folder go back to the top level: deleting a folder loses no paper."""
    with transaction.atomic():
        Document.objects.filter(folder__in=[folder, *folder.children.all()]).update(folder=None)
        record(folder.owner, actor, JournalEntry.Action.FOLDER_DELETED, folder)
        folder.delete()


def confirm_details(
    document: Document, actor: User, details: dict[str, Any], structure: Structure | None = None
) -> None:
    """The person's confirmation of what was read on the paper: kind, dates."""
    with transaction.atomic():
        old_type = document.doc_type
        document.doc_type = details["doc_type"]
        if details.get("expires_on") is not None:
            document.expires_on = details["expires_on"]
        if details.get("issued_on") is not None:
            document.issued_on = details["issued_on"]
        document.suggested_type = ""
        document.fields_to_confirm = False
        document.save(
            update_fields=[
                "doc_type",
                "expires_on",
                "issued_on",
                "suggested_type",
                "fields_to_confirm",
                "updated_at",
            ]
        )
        record(
            document.owner,
            actor,
            JournalEntry.Action.DETAILS_CONFIRMED,
            document,
            structure,
            old_type=old_type,
            new_type=document.doc_type,
        )


def set_expiry(
    document: Document,
    actor: User,
    expires_on: date | None,
    notice_days: int | None,
    structure: Structure | None = None,
) -> None:
    """Expiry date and how long before it the person wants to be warned (None: never)."""
    if (document.expires_on, document.expiry_notice_days) == (expires_on, notice_days):
        return
    with transaction.atomic():
        document.expires_on = expires_on
        document.expiry_notice_days = notice_days
        document.save(update_fields=["expires_on", "expiry_notice_days", "updated_at"])
        record(
            document.owner,
            actor,
            JournalEntry.Action.ITEM_CHANGED,
            document,
            structure,
            expires_on=expires_on.isoformat() if expires_on else "",
        )


def _folded(text: str) -> str:
    """Lowercase without accents, so "recepisse" finds "Récépissé"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_documents(documents: "QuerySet[Document]", query: str) -> list[Document]:
    """The person's papers whose name, kind or text (OCR, decrypted here) has every word."""
    from .pipeline import extracted_of

    words = _folded(query).split()
    if not words:
        return []
    found = []
    for document in documents:
        haystack = _folded(
            f"{document.title} {document.get_doc_type_display()} {document.doc_type}"
        )
        if not all(word in haystack for word in words):
            haystack += " " + _folded(extracted_of(document).text)
        if all(word in haystack for word in words):
            found.append(document)
    return found
