"""Workflows that span several models: turning uploads into documents, sharing, deleting."""

import logging
from collections.abc import Iterable
from pathlib import PurePath

from django.db import transaction

from accounts.models import Beneficiary, User
from crypto.blobs import EncryptingWriter, blob_storage
from journal.chain import record
from journal.models import JournalEntry
from structures.models import Structure

from .filetypes import detect_media_type
from .models import Blob, Document, Folder, Original, Visibility
from .uploads import EncryptedUpload, EncryptingUploadHandler

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
) -> list[Document]:
    """One Document per stored upload; the handler removes the blobs of any that fails."""
    documents = []
    for upload in uploads:
        document = _create_document(
            owner,
            actor,
            upload.writer,
            upload.name or "",
            upload.media_type,
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
            writer,
            name,
            media_type,
            folder,
            visibility or owner.default_visibility,
            structure,
            title=title,
        )
    except Exception:
        writer.abort()
        raise


def _create_document(
    owner: Beneficiary,
    actor: User,
    writer: EncryptingWriter,
    name: str,
    media_type: str,
    folder: Folder | None,
    visibility: str,
    structure: Structure | None,
    title: str = "",
) -> Document:
    from .tasks import process_document

    with transaction.atomic():
        blob = Blob.objects.create(
            code=writer.code,
            owner=owner,
            storage_key=writer.storage_key,
            size=writer.size,
            media_type=media_type,
            depositor=actor,
        )
        document = Document.objects.create(
            owner=owner,
            title=title or default_title(name),
            folder=folder,
            file=blob,
            visibility=visibility,
            created_by=actor,
        )
        Original.objects.create(document=document, blob=blob, position=0)
        record(owner, actor, JournalEntry.Action.DOCUMENT_UPLOADED, document, structure)
        transaction.on_commit(lambda: process_document.enqueue(document.pk))
    return document


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
    blobs = {document.file_id: document.file}
    if document.thumbnail_id:
        blobs[document.thumbnail_id] = document.thumbnail
    for original in document.originals.select_related("blob"):
        blobs[original.blob_id] = original.blob
    return [blob for blob in blobs.values() if blob is not None]


def delete_blobs(blobs: Iterable[Blob]) -> None:
    """Rows now (inside the caller's transaction), stored objects once it commits."""
    keys = []
    for blob in blobs:
        keys.append(blob.storage_key)
        blob.delete()
    storage = blob_storage()
    transaction.on_commit(lambda: [storage.delete(key) for key in keys])


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
