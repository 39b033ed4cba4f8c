"""Checks of a deposited PDF with pikepdf (qpdf): locked, broken, or carrying active content.

Where: in the processing task (``vault.tasks``), on the decrypted private temp file. These checks
need the whole file (the cross-reference table is at the end, objects can sit in compressed
object streams, names can be written with ``#xx`` escapes), so they cannot run in the upload
handler, which only sees chunks as they stream in. qpdf reads all of that for us.

Decision: **refuse, do not neutralise.** A PDF that fails is marked *failed* with a plain reason;
its original is kept (nothing lost, DESIGN.md §2) but from then on is only ever served as an
opaque download (``application/octet-stream``, see ``vault.tasks``), never as a PDF. Rewriting
the PDF without its active content would need a second, cleaned blob per document and the choice
of which one to show; the capture pipeline (photos and PDFs → one clean PDF) is where that will
live. Papers people store here (scans, photos, PDFs from administrations) have no reason to
carry scripts or attachments; when one does, a photo of the paper is the answer we give.

Refused:
- a PDF that asks for a password to open (we cannot check it, nor can the person's social worker
  open it). A PDF that is only *restricted* (an owner password forbidding editing or printing,
  common for papers from administrations and banks, which open without a password) is read by
  qpdf like any other and accepted when the checks below pass;
- a PDF qpdf cannot open, even with its repair of damaged files, or which has no page;
- active content, looked for in every object (including those in object streams) and in every
  dictionary nested in them: JavaScript (``/JS``, ``/S /JavaScript``, a ``/JavaScript`` name
  tree — so also ``/OpenAction`` and ``/AA`` actions that run it), embedded files
  (``/EmbeddedFiles``, ``/EmbeddedFile`` streams, ``/EF`` in file specifications,
  ``/FileAttachment`` annotations), ``/Launch``, ``/SubmitForm``, ``/ImportData`` actions, and XFA
  forms (``/XFA``). Links to web addresses (``/URI``) and plain ``/OpenAction`` views (open at a
  page, zoom) are fine.
"""

import logging

import pikepdf
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

LOCKED = gettext_noop(
    "This PDF is locked with a password, so we cannot check it. Send it without the password, "
    "or take a photo of the paper."
)
BROKEN = gettext_noop(
    "This PDF is damaged and cannot be opened. Send it again, or take a photo of the paper."
)
ACTIVE_CONTENT = gettext_noop(
    "This PDF contains hidden programs or attached files. For your safety we do not open it. "
    "Take a photo of the paper instead."
)

# Names whose presence as a dictionary key is enough.
FORBIDDEN_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA"})
# Values of /S (action type), /Subtype and /Type that are refused.
FORBIDDEN_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData"})
FORBIDDEN_SUBTYPES = frozenset({"/FileAttachment"})
FORBIDDEN_TYPES = frozenset({"/EmbeddedFile"})

# Direct objects nested deeper than this are refused as broken (qpdf itself stops near 500).
MAX_DEPTH = 200


def check_pdf(path: str) -> str:
    """The reason to refuse this PDF (a msgid), or "" when it is fine."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return LOCKED
    except Exception:  # qpdf could not open it, even repairing it
        logger.info("PDF check: cannot open", exc_info=True)
        return BROKEN
    try:
        with pdf:
            if len(pdf.pages) == 0:
                return BROKEN
            found = find_active_content(pdf)
    except Exception:  # objects that only break when read (qpdf parses lazily)
        logger.info("PDF check: damaged objects", exc_info=True)
        return BROKEN
    if found:
        logger.info("PDF refused: active content (%s)", found)
        return ACTIVE_CONTENT
    return ""


def find_active_content(pdf: pikepdf.Pdf) -> str:
    """What makes this PDF active (e.g. "/S /JavaScript"), or "" when nothing does."""
    for obj in [pdf.trailer, *pdf.objects]:
        found = _find_in(obj)
        if found:
            return found
    return ""


def _find_in(root: pikepdf.Object) -> str:
    # Walk the direct objects inside one object; indirect ones are visited on their own.
    stack: list[tuple[pikepdf.Object, int]] = [(root, 0)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "nesting too deep"
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            items = list(obj.items())
            for key, value in items:
                if key in FORBIDDEN_KEYS:
                    return key
                if isinstance(value, pikepdf.Name):
                    name = str(value)
                    if key == "/S" and name in FORBIDDEN_ACTIONS:
                        return f"/S {name}"
                    if key == "/Subtype" and name in FORBIDDEN_SUBTYPES:
                        return f"/Subtype {name}"
                    if key == "/Type" and name in FORBIDDEN_TYPES:
                        return f"/Type {name}"
            children = [value for _, value in items]
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        stack.extend(
            (child, depth + 1)
            for child in children
            # Numbers and booleans come back as Python values: nothing to look into.
            if isinstance(child, pikepdf.Object) and not child.is_indirect
        )
    return ""
