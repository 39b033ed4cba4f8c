"""Tesseract, through pytesseract, for the text layer and for turning pages the right way up.

Tesseract is optional: a server without it still stores clean pages, only without searchable
text and without the 90/180/270° fix. So nothing here raises because Tesseract is missing:
``available()`` says whether to try, ``osd_rotation`` answers 0 when it cannot tell.
Works without Django configured (the bench and the tests of the imaging run outside Django).
"""

import logging
import os
import re
import shutil
from functools import cache

import pytesseract
from PIL import Image

logger = logging.getLogger(__name__)

# Tesseract's OpenMP threads spin while waiting for each other: on a busy 2-CPU server one page
# took 4.1 s with them and 0.85 s without. pytesseract gives its subprocess our environment, so
# this is where to say it; an administrator's own value wins. Nothing else in Coffre uses OpenMP.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGES = "fra+eng"
OCR_TIMEOUT = 120  # seconds for one page; a 200 dpi A4 page takes about 1 s
OSD_TIMEOUT = 20
# A page of text scores 10–20. Cards score 2–5 and are then often wrong: the machine-readable
# zone (capitals and "<<<<") reads as well upside down. Keeping a page as it is beats turning it
# wrongly.
OSD_MIN_CONFIDENCE = 5.0


class OcrError(Exception):
    """Tesseract failed or took too long on a page; the page is fine, only its text is missing."""


def _command() -> str:
    try:
        from django.conf import settings

        configured = getattr(settings, "COFFRE_TESSERACT_CMD", None)
    except Exception:  # Django missing or not configured: the bench and plain scripts
        configured = None
    return configured or "tesseract"


@cache
def _tesseract() -> str | None:
    path = shutil.which(_command())
    if path:
        pytesseract.pytesseract.tesseract_cmd = path
    return path


@cache
def languages() -> list[str]:
    """The installed language packs (``osd`` included), [] without Tesseract."""
    if not _tesseract():
        return []
    try:
        return sorted(pytesseract.get_languages())
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        logger.warning("tesseract does not answer: %s", exc)
        return []


def available() -> bool:
    """Tesseract is installed with the French and English packs our papers need."""
    return {"fra", "eng"} <= set(languages())


def _dpi(image: Image.Image) -> str:
    """Tesseract sizes its expectations of letters by the resolution; it cannot read it from
    the temporary PNG pytesseract writes, and guesses 70 dpi."""
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return f"--dpi {value}" if 70 <= value <= 2400 else ""


def ocr_image(image: Image.Image, lang: str = LANGUAGES) -> str:
    """The text of one page. Raises OcrError (never hangs past OCR_TIMEOUT)."""
    if not available():
        raise OcrError("tesseract with fra+eng is not installed")
    try:
        # --psm 3: automatic layout, our pages are letters, forms and cards, not single lines.
        text = pytesseract.image_to_string(
            image, lang=lang, config=f"--psm 3 {_dpi(image)}", timeout=OCR_TIMEOUT
        )
    except (RuntimeError, pytesseract.TesseractError, OSError) as exc:
        raise OcrError(str(exc)) from exc
    return str(text)


_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)
_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.MULTILINE)


def osd_rotation(image: Image.Image) -> int:
    """Degrees to turn the page counter-clockwise (``Image.rotate``) to stand it upright.

    0 when Tesseract is missing, unsure, finds too little text, fails or times out: a page left
    as it is stays readable by turning one's phone, a page turned wrongly looks broken.
    """
    if "osd" not in languages():
        return 0
    try:
        report = pytesseract.image_to_osd(
            image, lang="osd", config=f"--psm 0 {_dpi(image)}", timeout=OSD_TIMEOUT
        )
    except (RuntimeError, pytesseract.TesseractError, OSError) as exc:
        logger.info("orientation not detected: %s", exc)
        return 0
    rotate, confidence = _ROTATE.search(report), _CONFIDENCE.search(report)
    if not rotate or not confidence or float(confidence.group(1)) < OSD_MIN_CONFIDENCE:
        return 0
    # Tesseract's "Rotate" is clockwise; Image.rotate turns counter-clockwise.
    return (360 - int(rotate.group(1))) % 360
