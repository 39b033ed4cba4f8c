"""The member card: a credit-card-sized card on an A4 sheet, with cut marks.

It carries what a person needs to find their way back in — their first name, their username,
their structure's name and phone, and a QR code that opens the login page with the username
filled in — and no secret at all: a lost card gives nobody access.
"""

import io

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from structures.models import Structure

from .models import Beneficiary

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 53.98 * mm  # ISO/IEC 7810 ID-1
BRAND = (0.114, 0.306, 0.537)


def _cut_marks(canvas: Canvas, x: float, y: float) -> None:
    canvas.setLineWidth(0.3)
    gap, length = 2 * mm, 6 * mm
    for cx, cy, dx, dy in (
        (x, y, -1, -1),
        (x + CARD_WIDTH, y, 1, -1),
        (x, y + CARD_HEIGHT, -1, 1),
        (x + CARD_WIDTH, y + CARD_HEIGHT, 1, 1),
    ):
        canvas.line(cx + dx * gap, cy, cx + dx * (gap + length), cy)
        canvas.line(cx, cy + dy * gap, cx, cy + dy * (gap + length))


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares: sharp on any printer."""
    matrix = segno.make(text, error="m").matrix
    cells = len(matrix) + 8  # a quiet zone of 4 modules on each side
    module = size / cells
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + (col_index + 4) * module,
                    y + size - (row_index + 5) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )


def member_card_pdf(beneficiary: Beneficiary, structure: Structure | None, login_url: str) -> bytes:
    """The card in the person's own language."""
    with translation.override(beneficiary.user.preferred_language):
        return _draw(beneficiary, structure, login_url)


def _draw(beneficiary: Beneficiary, structure: Structure | None, login_url: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=0)
    canvas.setTitle(_("Coffre card"))
    page_width, page_height = A4
    x = (page_width - CARD_WIDTH) / 2
    y = page_height - 40 * mm - CARD_HEIGHT
    _cut_marks(canvas, x, y)
    canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
    canvas.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm, stroke=1, fill=0)
    canvas.setFillColorRGB(*BRAND)
    canvas.rect(x, y + CARD_HEIGHT - 11 * mm, CARD_WIDTH, 11 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(x + 5 * mm, y + CARD_HEIGHT - 7.5 * mm, "Coffre")
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(
        x + CARD_WIDTH - 5 * mm, y + CARD_HEIGHT - 7.5 * mm, _("My papers, safe")
    )
    canvas.setFillColorRGB(0, 0, 0)
    text_x = x + 5 * mm
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(text_x, y + 33 * mm, beneficiary.first_name[:24])
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(text_x, y + 27 * mm, _("My username:"))
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(text_x, y + 22.5 * mm, beneficiary.user.username)
    if structure is not None:
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(text_x, y + 14 * mm, _("My structure:"))
        canvas.setFont("Helvetica-Bold", 8.5)
        canvas.drawString(text_x, y + 10 * mm, structure.name[:34])
        if structure.phone:
            canvas.setFont("Helvetica", 8.5)
            canvas.drawString(
                text_x, y + 5.5 * mm, _("Phone %(phone)s") % {"phone": structure.phone}
            )
    qr_size = 30 * mm
    _qr(canvas, login_url, x + CARD_WIDTH - qr_size - 3 * mm, y + 5 * mm, qr_size)
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(
        page_width / 2, y - 12 * mm, _("Cut the card out along the lines. Keep it with you.")
    )
    canvas.drawCentredString(
        page_width / 2,
        y - 18 * mm,
        _("The QR code opens the login page. Your password is written nowhere."),
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
