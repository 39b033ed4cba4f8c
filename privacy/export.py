"""Everything a person has, in one ZIP (restitution, décret 2018-853), streamed.

- every paper, decrypted, under ``folder/title.pdf`` (the clean PDF Coffre made, or the file as
  deposited), and the originals it was made from, as deposited, beside it as
  ``title (original 1).jpg``... (names cleaned for any computer, unique case-insensitively);
- ``journal.csv``: the person's whole journal chain, one row per entry, with its hashes;
- ``contacts.vcf``: every contact (vCard 3.0, what a phone's address book imports);
- ``agenda.ics``: every appointment (iCalendar, with its time zone and reminders);
- ``notes/title.txt``: each note as a text file;
- ``manifest.json``: the person's account details, and for each paper its path, SHA-256, size,
  deposit date and depositor — so the person, or anyone they show it to, can check every file —
  and the same for the agenda files.

A kind of item the person has none of gives no file (an empty ``.ics`` is not even valid
iCalendar). ``not_included`` lists what Coffre keeps but does not put in the file (nothing now).

Streaming: zipstream-ng, uncompressed (papers are PDF and JPEG/PNG/WebP/HEIC, already compressed)
and *sized*: the total length is known before the first byte, so the response has a
Content-Length — a phone shows progress and knows when a download on 3G was cut short. File
contents are decrypted segment by segment as the client reads them: memory stays flat whatever
the vault holds. The journal and manifest are built in memory first (kilobytes per paper or entry).
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from zipstream import ZipStream

from accounts.models import Beneficiary, User
from agenda import ics, vcard
from agenda.models import Appointment, Contact, Note
from crypto.blobs import iter_plaintext
from journal.models import JournalEntry
from structures.models import Affiliation
from vault.filetypes import EXTENSIONS
from vault.models import Blob, Document, Folder

from .deposits import sha256_of, structures_of_deposits

FORMAT = "coffre-export/1"
MANIFEST = "manifest.json"
JOURNAL = "journal.csv"
CONTACTS = "contacts.vcf"
AGENDA = "agenda.ics"
NOTES_DIR = "notes"
NOT_INCLUDED: dict[str, str] = {}
RESERVED = {MANIFEST, JOURNAL, CONTACTS, AGENDA, *NOT_INCLUDED}
MAX_NAME = 100
MAX_DEPTH = 20
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
# A spreadsheet runs cells that start like a formula: show them as text (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_name(text: str, fallback: str = "document") -> str:
    """A file or folder name any system accepts, still readable (accents kept)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip().strip(".").strip()
    name = name[:MAX_NAME].strip() or fallback
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    return name


@dataclass
class ExportedPaper:
    path: str
    document: Document
    blob: Blob
    sha256: str
    structure_name: str
    original: bool = False  # a file as deposited, beside the paper made from it


class UniquePaths:
    """Hands out paths, adding " (2)", " (3)"... before the extension on a clash (any case)."""

    def __init__(self, reserved: set[str]) -> None:
        self.taken = {name.casefold() for name in reserved}

    def claim(self, directory: str, stem: str, extension: str) -> str:
        prefix = f"{directory}/" if directory else ""
        candidate, number = f"{prefix}{stem}{extension}", 1
        while candidate.casefold() in self.taken:
            number += 1
            candidate = f"{prefix}{stem} ({number}){extension}"
        self.taken.add(candidate.casefold())
        return candidate


def _folder_paths(folders: list[Folder]) -> dict[int, str]:
    by_pk = {folder.pk: folder for folder in folders}
    paths: dict[int, str] = {}
    for folder in folders:
        parts: list[str] = []
        seen: set[int] = set()
        current: Folder | None = folder
        while current is not None and current.pk not in seen and len(parts) < MAX_DEPTH:
            seen.add(current.pk)
            parts.append(clean_name(current.name, "dossier"))
            current = by_pk.get(current.parent_id) if current.parent_id else None
        paths[folder.pk] = "/".join(reversed(parts))
    return paths


def papers_of(
    owner: Beneficiary, user: User, paths: "UniquePaths | None" = None
) -> list[ExportedPaper]:
    """The person's papers through the access policy, each with its path in the ZIP."""
    documents = list(
        Document.objects.visible_to(user)
        .filter(owner=owner)
        .select_related("file__depositor")
        .prefetch_related("originals__blob__depositor")
        .order_by("created_at", "pk")
    )
    folder_paths = _folder_paths(list(Folder.objects.visible_to(user).filter(owner=owner)))
    structures = structures_of_deposits(owner, [document.code for document in documents])
    paths = paths or UniquePaths(RESERVED)
    papers = []
    for document in documents:
        folder = folder_paths.get(document.folder_id, "") if document.folder_id else ""
        title = clean_name(document.title)
        # The paper as Coffre serves it (the clean PDF), then the originals it was made from.
        files = [(document.file, title, False)]
        originals = [o for o in document.originals.all() if o.blob_id != document.file_id]
        for number, original in enumerate(originals, start=1):
            name = _("%(title)s (original %(number)d)") % {"title": title, "number": number}
            files.append((original.blob, clean_name(name), True))
        for blob, name, is_original in files:
            papers.append(
                ExportedPaper(
                    path=paths.claim(folder, name, EXTENSIONS.get(blob.media_type, "")),
                    document=document,
                    blob=blob,
                    sha256=sha256_of(owner, blob),
                    structure_name=structures.get(document.code, ""),
                    original=is_original,
                )
            )
    return papers


@dataclass
class AgendaFile:
    """One file of the agenda part of the export: its path, bytes, and what it holds."""

    path: str
    content: bytes
    items: list[dict[str, object]]

    def entry(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": hashlib.sha256(self.content).hexdigest(),
            "size": len(self.content),
            "count": len(self.items),
            "items": self.items,
        }

    def note_entry(self) -> dict[str, object]:
        """A note is one file: its facts, with the path and fingerprint of that file."""
        entry = self.entry()
        return {
            "path": self.path,
            "sha256": entry["sha256"],
            "size": entry["size"],
            **self.items[0],
        }


def _item_facts(item: Contact | Appointment | Note) -> dict[str, object]:
    return {
        "code": str(item.code),
        "visibility": item.visibility,
        "created_at": timezone.localtime(item.created_at).isoformat(),
        "updated_at": timezone.localtime(item.updated_at).isoformat(),
        "added_by": item.created_by.display_name,
        "added_by_kind": item.created_by.kind,
    }


def agenda_of(owner: Beneficiary, user: User, paths: UniquePaths) -> list[AgendaFile]:
    """Contacts, appointments and notes through the access policy, as files phones open."""
    files = []
    contacts = list(
        Contact.objects.visible_to(user)
        .filter(owner=owner)
        .select_related("created_by")
        .order_by("name", "pk")
    )
    if contacts:
        files.append(
            AgendaFile(
                CONTACTS,
                vcard.cards(contacts),
                [{"name": c.name, **_item_facts(c)} for c in contacts],
            )
        )
    appointments = list(
        Appointment.objects.visible_to(user)
        .filter(owner=owner)
        .select_related("created_by")
        .prefetch_related("reminders")
        .order_by("starts_at", "pk")
    )
    if appointments:
        with translation.override(owner.user.preferred_language or settings.LANGUAGE_CODE):
            content = ics.calendar_of(appointments)
        facts = [
            {
                "title": a.title,
                "starts_at": timezone.localtime(a.starts_at).isoformat(),
                **_item_facts(a),
            }
            for a in appointments
        ]
        files.append(AgendaFile(AGENDA, content, facts))
    notes = (
        Note.objects.visible_to(user)
        .filter(owner=owner)
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    for note in notes:
        path = paths.claim(NOTES_DIR, clean_name(note.title or note.journal_label, "note"), ".txt")
        files.append(
            AgendaFile(
                path, note.as_text().encode("utf-8"), [{"title": note.title, **_item_facts(note)}]
            )
        )
    return files


def _text_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def journal_csv(owner: Beneficiary) -> bytes:
    """The whole chain, oldest first, with a header row; UTF-8 with a BOM for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "seq",
            "date",
            "actor",
            "actor_kind",
            "structure",
            "action",
            "item_kind",
            "item_code",
            "item",
            "details",
            "previous_hash",
            "entry_hash",
        ]
    )
    for entry in JournalEntry.objects.filter(beneficiary=owner).order_by("seq").iterator():
        writer.writerow(
            [
                entry.seq,
                timezone.localtime(entry.created_at).isoformat(),
                _text_cell(entry.actor_name),
                entry.actor_kind,
                _text_cell(entry.structure_name),
                entry.action,
                entry.item_kind,
                entry.item_code or "",
                _text_cell(entry.item_label),
                _text_cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True)),
                entry.previous_hash,
                entry.entry_hash,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def manifest(
    owner: Beneficiary,
    papers: list[ExportedPaper],
    journal: bytes,
    agenda: list[AgendaFile] | None = None,
) -> bytes:
    agenda = agenda or []
    user = owner.user
    affiliations = Affiliation.objects.filter(beneficiary=owner).select_related("structure")
    data = {
        "format": FORMAT,
        "generated_at": timezone.localtime().isoformat(),
        "account": {
            "code": str(owner.code),
            "username": user.username,
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "birth_date": owner.birth_date.isoformat(),
            "phone": owner.phone or user.phone,
            "email": user.email,
            "language": user.preferred_language,
            "created_at": timezone.localtime(owner.created_at).isoformat(),
            "structures": [
                {
                    "name": affiliation.structure.name,
                    "state": affiliation.state,
                    "consented_at": timezone.localtime(affiliation.consented_at).isoformat(),
                    "ended_at": timezone.localtime(affiliation.ended_at).isoformat()
                    if affiliation.ended_at
                    else None,
                }
                for affiliation in affiliations
            ],
        },
        "papers": [
            {
                "path": paper.path,
                "original": paper.original,
                "title": paper.document.title,
                "kind": paper.document.doc_type,
                "code": str(paper.document.code),
                "sha256": paper.sha256,
                "size": paper.blob.size,
                "media_type": paper.blob.media_type,
                "deposited_at": timezone.localtime(paper.blob.created_at).isoformat(),
                "depositor": paper.blob.depositor.display_name,
                "depositor_kind": paper.blob.depositor.kind,
                "structure": paper.structure_name,
                "visibility": paper.document.visibility,
                "issued_on": paper.document.issued_on.isoformat()
                if paper.document.issued_on
                else None,
                "expires_on": paper.document.expires_on.isoformat()
                if paper.document.expires_on
                else None,
            }
            for paper in papers
        ],
        "journal": {
            "path": JOURNAL,
            "sha256": hashlib.sha256(journal).hexdigest(),
            "size": len(journal),
            "retention_days": settings.COFFRE_JOURNAL_RETENTION_DAYS,
        },
        "contacts": next((f.entry() for f in agenda if f.path == CONTACTS), None),
        "appointments": next((f.entry() for f in agenda if f.path == AGENDA), None),
        "notes": [f.note_entry() for f in agenda if f.path not in (CONTACTS, AGENDA)],
        "not_included": [{"path": path, "reason": reason} for path, reason in NOT_INCLUDED.items()],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _checked(chunks: Iterator[bytes], expected: int, path: str) -> Iterator[bytes]:
    """The ZIP announced this size: anything else must break the download, not corrupt it."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        yield chunk
    if seen != expected:
        raise RuntimeError(f"{path}: {seen} bytes decrypted, {expected} expected")


def build_export(owner: Beneficiary, user: User) -> ZipStream:
    paths = UniquePaths(RESERVED)
    papers = papers_of(owner, user, paths)
    agenda = agenda_of(owner, user, paths)
    journal = journal_csv(owner)
    stream = ZipStream(sized=True)
    for paper in papers:
        chunks = iter_plaintext(owner, paper.blob.code, paper.blob.storage_key)
        stream.add(_checked(chunks, paper.blob.size, paper.path), paper.path, size=paper.blob.size)
    for agenda_file in agenda:
        stream.add(agenda_file.content, agenda_file.path)
    stream.add(journal, JOURNAL)
    stream.add(manifest(owner, papers, journal, agenda), MANIFEST)
    return stream
