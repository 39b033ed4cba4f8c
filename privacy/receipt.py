"""The deposit receipt of one paper: a one-page PDF with the technical metadata of the deposit
(in the spirit of NF Z42-020: what was deposited, by whom, when, its size, type and SHA-256).

Plain words, in the reader's language. Text uses DejaVu Sans when the system has it (accents,
Cyrillic, Greek...; Arabic letters are not joined: no shaping here), else Helvetica (Latin only).
The fingerprint and codes are in Courier, a PDF standard font, and pages are not compressed: the
SHA-256 appears as plain text in the file, for any tool to find.
"""

import datetime
import io
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from accounts.models import User
from vault.lib import human_size
from vault.models import Blob, Document

PARIS = ZoneInfo("Europe/Paris")
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
MONO = "Courier"
MARGIN = 20 * mm
LABEL_WIDTH = 55 * mm


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold) font names."""
    for directory in FONT_DIRS:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("CoffreSans", str(regular)))
            pdfmetrics.registerFont(TTFont("CoffreSans-Bold", str(bold)))
            return "CoffreSans", "CoffreSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def paris_time(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment, PARIS)
    return _("%(day)s at %(time)s (Paris time)") % {
        "day": date_format(local, "j F Y"),
        "time": local.strftime("%H:%M:%S"),
    }


def depositor_text(depositor: User, owner_user_id: int, structure_name: str) -> str:
    if depositor.pk == owner_user_id:
        return _("%(name)s, the owner of this safe") % {"name": depositor.display_name}
    if structure_name:
        return _("%(name)s, social worker at %(structure)s") % {
            "name": depositor.display_name,
            "structure": structure_name,
        }
    return _("%(name)s, social worker") % {"name": depositor.display_name}


def receipt_pdf(document: Document, deposits: list[tuple[Blob, str]], structure_name: str) -> bytes:
    """``deposits``: each file as deposited (the originals, or the paper's file once they were
    deleted) with its SHA-256."""
    blob = deposits[0][0]
    regular, bold = fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    pdf.setTitle(_("Deposit receipt"))
    pdf.setAuthor("Coffre")
    width, height = A4
    y = height - MARGIN

    def line(text: str, font: str, size: float, gap: float = 4) -> None:
        nonlocal y
        for part in simpleSplit(text, font, size, width - 2 * MARGIN) or [""]:
            pdf.setFont(font, size)
            pdf.drawString(MARGIN, y - size, part)
            y -= size + gap

    def fact(label: str, value: str, font: str = regular, size: float = 11) -> None:
        nonlocal y
        pdf.setFont(bold, 11)
        pdf.drawString(MARGIN, y - 11, label)
        value_width = width - 2 * MARGIN - LABEL_WIDTH
        for part in simpleSplit(value, font, size, value_width) or [""]:
            pdf.setFont(font, size)
            pdf.drawString(MARGIN + LABEL_WIDTH, y - 11, part)
            y -= max(size, 11) + 5
        y -= 4

    line("Coffre", bold, 14)
    y -= 6
    line(_("Deposit receipt"), bold, 22, gap=10)
    line(_("Coffre received this paper and keeps it safe."), regular, 11)
    line(_("This receipt describes the file exactly as it was deposited."), regular, 11)
    y -= 14
    fact(_("Paper"), document.title)
    fact(_("Kind of paper"), str(document.get_doc_type_display()))
    fact(_("Deposited by"), depositor_text(blob.depositor, document.owner.user_id, structure_name))
    fact(_("Date of deposit"), paris_time(blob.created_at))
    for number, (deposit, sha256) in enumerate(deposits, start=1):
        if len(deposits) > 1:
            fact(
                _("File"), _("%(number)d of %(count)d") % {"number": number, "count": len(deposits)}
            )
        fact(
            _("Size"),
            _("%(size)s (%(bytes)s bytes)")
            % {
                "size": human_size(deposit.size),
                "bytes": number_format(deposit.size, force_grouping=True),
            },
        )
        fact(_("Type of file"), deposit.media_type, MONO, 10)
        fact(_("Fingerprint (SHA-256)"), sha256, MONO, 9)
    fact(_("Code of the paper"), str(document.code), MONO, 10)
    y -= 10
    line(_("What is the fingerprint?"), bold, 12)
    line(
        _(
            "It is computed from the content of the file. If even one letter of the file changes, "
            "the fingerprint changes. To check a copy, compute its SHA-256 fingerprint and "
            "compare it with this one."
        ),
        regular,
        10,
    )
    pdf.setFont(regular, 8)
    pdf.drawString(
        MARGIN,
        MARGIN,
        _("Receipt made on %(moment)s by Coffre. Technical data of the deposit (NF Z42-020).")
        % {"moment": paris_time(timezone.now())},
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()
