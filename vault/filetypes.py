"""Real file type from the first bytes, against a strict allow-list; signs of a hidden second file.

Deliberately not a general-purpose sniffer: we accept five formats and recognise each by its
signature; everything else is refused whatever its name or Content-Type says.

A file can carry a valid signature and still be something else too (a *polyglot*): a PDF whose
first bytes are also an HTML page, a JPEG with a ZIP archive appended, a PNG with PHP in a text
chunk. A browser, unzip or a PHP interpreter that sniffs instead of trusting the type would run
the second file. We refuse, in any accepted file:

- HTML, script or PHP markers in its first ``HEAD_SIZE`` bytes (where content sniffers look, and
  where image metadata and comments live);
- a ZIP signature in its first ``ZIP_HEAD_SIZE`` bytes;
- a ZIP end-of-central-directory record in its last ``ZIP_TAIL_SIZE`` bytes (what every ZIP
  reader looks for first: with it, "picture.jpg" is also a valid archive).

Pictures may legitimately carry bytes after their end (phones store motion-photo videos and
extra pictures there, buggy croppers leave the rest of a screenshot). We accept those *trailers*
as they are inert for a picture viewer, unless they hold the markers above anywhere, a ZIP local
header, or an executable header at their start (``hostile_trailer``). Markers are matched with a
delimiter after them so that random compressed data practically never matches by chance.
"""

import re
import struct
from typing import BinaryIO

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"
# What a stored file becomes once its content failed our checks: served as an opaque download.
OPAQUE = "application/octet-stream"

ACCEPTED = frozenset({PDF, JPEG, PNG, WEBP, HEIC})

# ISO-BMFF brands of HEIC/HEIF still images (ftyp box major brand).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", WEBP: ".webp", HEIC: ".heic"}

# Bytes needed to decide.
SNIFF_SIZE = 16
# Where hidden HTML/script/PHP is looked for (the same head the upload keeps: crypto.blobs).
HEAD_SIZE = 64 * 1024
ZIP_HEAD_SIZE = 1024
# An end-of-central-directory record is 22 bytes plus a comment of at most 65 535 bytes.
ZIP_TAIL_SIZE = 22 + 65_535

ZIP_LOCAL = b"PK\x03\x04"
ZIP_CENTRAL = b"PK\x01\x02"
ZIP_END = b"PK\x05\x06"

HIDDEN_MARKUP = re.compile(
    rb"<!doctype\s+html|<(?:html|head|body|script|iframe|object|embed)[\s>/]|<\?php\s|javascript:",
    re.IGNORECASE,
)


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


def hidden_in_head(head: bytes) -> bool:
    """HTML/script/PHP markers, or a ZIP signature, in the first bytes of an accepted file."""
    start = head[:ZIP_HEAD_SIZE]
    if ZIP_LOCAL in start or ZIP_END in start:
        return True
    return HIDDEN_MARKUP.search(head[:HEAD_SIZE]) is not None


def has_zip_end_record(tail: bytes) -> bool:
    """A well-formed ZIP end-of-central-directory record in the last bytes of a file.

    Checked for consistency (single-disk archive, central directory before it and starting with
    its signature when we can see it), not only for its 4-byte signature.
    """
    position = tail.rfind(ZIP_END)
    while position != -1:
        if _is_zip_end_record(tail, position):
            return True
        position = tail.rfind(ZIP_END, 0, position)
    return False


def _is_zip_end_record(tail: bytes, position: int) -> bool:
    record = tail[position : position + 22]
    if len(record) < 22:
        return False
    _, disk, cd_disk, on_disk, total, cd_size, _, _ = struct.unpack("<4s4H2LH", record)
    if disk != 0 or cd_disk != 0 or on_disk != total:
        return False
    if total == 0:
        return cd_size == 0
    if cd_size < 46 * total:  # each central directory entry is at least 46 bytes
        return False
    directory = position - cd_size
    if directory >= 0:
        return tail[directory : directory + 4] == ZIP_CENTRAL
    return True  # the directory starts before the bytes we kept: the record alone decides


def _read_exact(handle: BinaryIO, size: int) -> bytes | None:
    data = handle.read(size)
    return data if len(data) == size else None


# JPEG: after 0xFF, these bytes do not start a segment: stuffing (00), restart markers (D0-D7),
# fill (FF).
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_BLOCK = 64 * 1024


def _jpeg_next_marker(handle: BinaryIO) -> int | None:
    """Position of the next marker after entropy-coded data (restart markers skipped)."""
    position = handle.tell()
    carry = b""
    while True:
        block = handle.read(_BLOCK)
        if not block:
            return None
        data = carry + block
        found = _JPEG_NEXT_MARKER.search(data)
        if found:
            return position - len(carry) + found.start()
        carry = data[-1:]
        position += len(block)


def _jpeg_end(handle: BinaryIO) -> int | None:
    if handle.read(2) != b"\xff\xd8":
        return None
    while True:
        byte = handle.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            # Stray bytes between segments: skip to the next marker, as libjpeg does.
            following = _jpeg_next_marker(handle)
            if following is None:
                return None
            handle.seek(following + 1)
        code = handle.read(1)
        while code == b"\xff":  # fill bytes before a marker
            code = handle.read(1)
        if not code:
            return None
        marker = code[0]
        if marker == 0xD9:  # end of image
            return handle.tell()
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        raw = _read_exact(handle, 2)
        if raw is None or marker == 0xD8:
            return None
        length = struct.unpack(">H", raw)[0]
        if length < 2:
            return None
        handle.seek(length - 2, 1)
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            following = _jpeg_next_marker(handle)
            if following is None:
                return None
            handle.seek(following)


def _png_end(handle: BinaryIO, size: int) -> int | None:
    handle.seek(8)
    while True:
        header = _read_exact(handle, 8)
        if header is None:
            return None
        length, kind = struct.unpack(">I4s", header)
        end = handle.tell() + length + 4  # data and CRC
        if length > 0x7FFFFFFF or end > size:
            return None
        handle.seek(end)
        if kind == b"IEND":
            return end


def _webp_end(handle: BinaryIO, size: int) -> int | None:
    header = _read_exact(handle, 8)
    if header is None:
        return None
    riff_size = struct.unpack("<I", header[4:8])[0]
    end = 8 + riff_size + (riff_size & 1)
    return end if end <= size else None


def image_end(handle: BinaryIO, media_type: str, size: int) -> int | None:
    """Where the picture's own structure ends (bytes after it are a trailer), or None.

    None when the structure cannot be followed (damaged or truncated: Pillow decides) and for
    HEIC, whose boxes are addressed by offsets rather than read in order.
    """
    handle.seek(0)
    if media_type == JPEG:
        return _jpeg_end(handle)
    if media_type == PNG:
        return _png_end(handle, size)
    if media_type == WEBP:
        return _webp_end(handle, size)
    return None


def _is_executable(data: bytes) -> bool:
    """ELF, a #! script, or a Windows PE ("MZ" whose header points to "PE\\0\\0")."""
    if data.startswith((b"\x7fELF", b"#!/")):
        return True
    if data.startswith(b"MZ") and len(data) >= 0x40:
        offset = struct.unpack("<I", data[0x3C:0x40])[0]
        return data[offset : offset + 4] == b"PE\0\0"
    return False


def hostile_trailer(handle: BinaryIO, start: int) -> bool:
    """Whether the bytes after a picture's end hide another file we refuse (see module doc)."""
    handle.seek(start)
    first = handle.read(_BLOCK)
    stripped = first.lstrip(b"\x00\r\n\t ")
    if stripped.startswith(ZIP_LOCAL) or _is_executable(stripped):
        return True
    carry = b""
    block = first
    while block:
        data = carry + block
        if HIDDEN_MARKUP.search(data):
            return True
        carry = data[-32:]
        block = handle.read(_BLOCK)
    return False
