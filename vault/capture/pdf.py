"""PDF files of the capture pipeline: pages from images, lossless shrinking, merging, text.

Nothing here rasterises or re-encodes an image: papers must stay exactly as legible as they came.
img2pdf wraps JPEG bytes as they are; pikepdf (qpdf) only rewrites the file's structure.
pdfium is not thread-safe, so every call into it holds ``PDFIUM_LOCK`` (gunicorn runs threads).
"""

import contextlib
import logging
import os
import threading

import img2pdf
import pikepdf
import pypdfium2 as pdfium

logger = logging.getLogger(__name__)

PDFIUM_LOCK = threading.Lock()


def images_to_pdf(encoded: list[tuple[bytes, str, int]]) -> bytes:
    """One page per (image bytes, MIME type, dpi), each page the paper's real size.

    The dpi is given rather than read from the image so that a page prints at 100 %: an A4
    page at 200 dpi comes out 210 × 297 mm."""
    if not encoded:
        raise ValueError("no page")
    sizes = iter(dpi for _, _, dpi in encoded)

    def layout(width_px: int, height_px: int, _ndpi: object) -> object:
        # img2pdf asks once per image, in order (first_frame_only: one frame per image).
        dpi = next(sizes)
        return img2pdf.default_layout_fun(width_px, height_px, (dpi, dpi))

    pdf = img2pdf.convert(
        [data for data, _, _ in encoded],
        layout_fun=layout,
        first_frame_only=True,
        rotation=img2pdf.Rotation.ifvalid,
    )
    return bytes(pdf)


def optimise_pdf(src: str, dst: str) -> bool:
    """Write a smaller, equivalent ``dst``; True only when it is smaller.

    Lossless: streams are (re)compressed with Flate, objects packed into object streams,
    unused resources dropped. Images already in JPEG stay byte for byte as they are
    (``generalized`` decodes only Flate/LZW/RLE/ASCII filters). When nothing is gained, or the
    file cannot be rewritten, ``dst`` is removed and the caller keeps ``src``."""
    try:
        with pikepdf.open(src) as pdf:
            pdf.remove_unreferenced_resources()
            pdf.save(
                dst,
                compress_streams=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                recompress_flate=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
            )
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        logger.info("PDF not optimised: %s", exc)
        _remove(dst)
        return False
    if os.path.getsize(dst) < os.path.getsize(src):
        return True
    _remove(dst)
    return False


def merge_pdfs(paths: list[str], dst: str) -> int:
    """All pages of ``paths`` in order into ``dst``; the number of pages written."""
    if not paths:
        raise ValueError("no PDF to merge")
    with pikepdf.new() as merged:
        sources = [pikepdf.open(path) for path in paths]
        try:
            for source in sources:
                merged.pages.extend(source.pages)
            merged.save(dst, object_stream_mode=pikepdf.ObjectStreamMode.generate)
            return len(merged.pages)
        finally:
            for source in sources:
                source.close()


def page_count(path: str) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def pdf_text(path: str) -> str:
    """The text layer of a born-digital PDF, pages separated by a form feed.

    Empty for a scan without a text layer: the caller then knows OCR is needed. Also empty,
    with a warning, for a file pdfium cannot read (qpdf, which checked it, is more lenient)."""
    pages = []
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            logger.warning("no text read from a PDF pdfium cannot open: %s", exc)
            return ""
        try:
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                try:
                    pages.append(textpage.get_text_bounded())
                finally:
                    textpage.close()
                    page.close()
        finally:
            document.close()
    return "\f".join(pages)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
