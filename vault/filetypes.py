"""Real file type from the first bytes, against a strict allow-list.

Deliberately not a general-purpose sniffer: we accept five formats and recognise each by its
signature; everything else is refused whatever its name or Content-Type says.
"""

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"

# ISO-BMFF brands of HEIC/HEIF still images (ftyp box major brand).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", WEBP: ".webp", HEIC: ".heic"}

# Bytes needed to decide.
SNIFF_SIZE = 16


def detect_media_type(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIC
    return None
