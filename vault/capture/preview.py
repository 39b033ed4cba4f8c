"""Small images of PDF pages for lists and previews, rendered with pdfium.

The PDFs come from anyone: damaged, locked, absurd page sizes. Every failure becomes a
``PreviewError`` the caller can show as "no preview", and the bitmap pdfium allocates is bounded
whatever the page claims to be (a 1 × 10,000 inch page must not ask for gigabytes).
"""

import io
import logging

import pypdfium2 as pdfium
from PIL import Image

from vault.capture.pdf import PDFIUM_LOCK

logger = logging.getLogger(__name__)

MAX_WIDTH = 2400
MAX_PIXELS = 2400 * 3400  # an A4 page at 290 dpi; a taller page is cropped to its top
QUALITY = 80


class PreviewError(Exception):
    """The PDF or page cannot be rendered (damaged, locked, empty, out of range)."""


def render_page(pdf_path: str, index: int, width: int) -> bytes:
    """JPEG bytes of page ``index`` (from 0), ``width`` pixels wide."""
    if not 16 <= width <= MAX_WIDTH:
        raise PreviewError(f"width must be between 16 and {MAX_WIDTH}")
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf_path)
        except (pdfium.PdfiumError, OSError, ValueError) as exc:
            raise PreviewError(f"cannot open the PDF: {exc}") from exc
        try:
            if not 0 <= index < len(document):
                raise PreviewError(f"no page {index} in a PDF of {len(document)} pages")
            page = document[index]
            try:
                image = _render(page, width)
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise PreviewError(f"cannot render page {index}: {exc}") from exc
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def thumbnail(pdf_path: str, width: int = 240) -> bytes:
    """The first page, small: what a list of documents shows."""
    return render_page(pdf_path, 0, width)


def _render(page: pdfium.PdfPage, width: int) -> Image.Image:
    page_width, page_height = page.get_size()  # after /Rotate, in points
    if not (page_width > 0 and page_height > 0):
        raise PreviewError("the page has no size")
    scale = width / page_width
    crop_bottom = 0.0
    height = page_height * scale
    if width * height > MAX_PIXELS:
        # Render only the top of a very tall page: pdfium crops in points, before scaling.
        crop_bottom = page_height - MAX_PIXELS / width / scale
    # Forms are not drawn: we never initialise pdfium's form environment for untrusted files.
    bitmap = page.render(
        scale=scale, crop=(0, crop_bottom, 0, 0), may_draw_forms=False, draw_annots=True
    )
    try:
        image = bitmap.to_pil()
    finally:
        bitmap.close()
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.width != width:
        # pdfium rounds the scaled size; the caller asked for an exact width.
        image = image.resize((width, max(1, round(image.height * width / image.width))))
    return image
