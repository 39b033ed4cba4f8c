"""Fuzzing the upload validation: 10 000 generated uploads, no crash, nothing of a refused type.

What is driven: the real ``EncryptingUploadHandler``, fed by Django's own ``MultiPartParser``
exactly as a request would (real Tink encryption, real files in the test's blob storage), then —
for what the handler kept — the processing task's ``check_content`` on the plaintext. Not the
test client: its request/response/session/messages round trip costs more than everything we
want to exercise, and it adds nothing to the validation. The 10 000 examples (one or two files
each, about 15 000 files) take about 30 seconds, half of it Hypothesis generating them. The chunk
size varies per example (64 bytes to the real 256 KiB) so that signatures, the 64 KiB head and the
ZIP tail straddle chunk boundaries.

Generated: random bytes; each accepted signature followed by random or hostile content (HTML,
script, PHP, ZIP archives and records, executables); real small files of each accepted type,
mutated (bit flips, truncation, insertions, hostile or inert trailers); truncated headers; and
files of refused types (GIF, BMP, TIFF, ZIP, gzip, PE, ELF, HTML, SVG, scripts, MP4/AVIF boxes,
OLE, RTF...) sent with an accepted extension and Content-Type.

Checked, for every file: exactly one outcome (kept or refused with a message, nothing raised);
what is kept is in storage, and once every example has cleaned up what it kept, storage is empty
(no refused file leaked); what is kept starts with an accepted signature and is of
the type recorded; files of a refused type and files with HTML/script/PHP/ZIP in their first
bytes or a ZIP end record are never kept; what also passes the task's checks really opens as
what it claims (Pillow for pictures, qpdf for PDFs).

Profiles: ``coffre-fuzz`` (10 000 examples, the suite's default) and ``coffre-fuzz-long``
(``HYPOTHESIS_FUZZ_EXAMPLES``, default 200 000) for a longer hunt:
``COFFRE_FUZZ_PROFILE=coffre-fuzz-long pytest vault/tests/test_fuzz_uploads.py``.
"""

import io
import os
import tempfile
import uuid
import zipfile

import pikepdf
import pytest
from django.http.multipartparser import MultiPartParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from vault import filetypes
from vault.tasks import check_content
from vault.tests.test_hostile_uploads import big_jpeg, jpeg, png_declaring, raw_pdf
from vault.uploads import EncryptingUploadHandler, UploadLimits, image_too_large

settings.register_profile(
    "coffre-fuzz",
    max_examples=10_000,
    deadline=None,
    derandomize=True,  # the same 10 000 inputs on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "coffre-fuzz-long",
    parent=settings.get_profile("coffre-fuzz"),
    max_examples=int(os.environ.get("HYPOTHESIS_FUZZ_EXAMPLES", "200000")),
    derandomize=False,
)
PROFILE = settings.get_profile(os.environ.get("COFFRE_FUZZ_PROFILE", "coffre-fuzz"))

SIGNATURES = [
    b"%PDF-",
    b"%PDF-1.7\n",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x10\x00\x00\x00WEBPVP8 ",
    b"\x00\x00\x00\x18ftypheic",
    b"\x00\x00\x00\x18ftypmif1",
]

REFUSED_TYPES = [
    b"GIF89a\x01\x00\x01\x00",
    b"GIF87a",
    b"BM6\x00\x00\x00\x00\x00",
    b"II*\x00\x08\x00\x00\x00",
    b"MM\x00*\x00\x00\x00\x08",
    b"PK\x03\x04\x14\x00\x00\x00",
    b"PK\x05\x06" + b"\x00" * 18,
    b"\x1f\x8b\x08\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07\x00",
    b"MZ\x90\x00\x03\x00\x00\x00",
    b"\x7fELF\x02\x01\x01\x00",
    b"\xca\xfe\xba\xbe",
    b"<!DOCTYPE html><html><body><script>alert(1)</script>",
    b"<html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<?xml version='1.0'?><x/>",
    b"<?php system($_GET['c']); ?>",
    b"#!/bin/sh\nrm -rf /\n",
    b"{\\rtf1\\ansi",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x1cftypavif",
    b"\x00\x00\x00\x18ftypmp42",
    b"RIFF\x10\x00\x00\x00AVI LIST",
    b"RIFF\x10\x00\x00\x00WAVEfmt ",
    b"\xef\xbb\xbf%PDF-1.4",  # a byte-order mark before the signature
    b" %PDF-1.4",
    b"\n\xff\xd8\xff",
    b"%!PS-Adobe-3.0",
    b"{}",
    b"",
]

TRUNCATED_HEADERS = [
    b"%",
    b"%P",
    b"%PD",
    b"%PDF",
    b"\xff",
    b"\xff\xd8",
    b"\x89PNG",
    b"\x89PNG\r\n\x1a",
    b"RIFF",
    b"RIFF\x00\x00\x00\x00WEB",
    b"\x00\x00\x00\x18ftyp",
    b"\x00\x00\x00\x18ftyphei",
]

HOSTILE = [
    b"<html>",
    b"<HTML lang=fr>",
    b"<script>alert(1)</script>",
    b"<ScRiPt src=//x>",
    b"<iframe src=x>",
    b"<body onload=x>",
    b"<!doctype html>",
    b"<?php echo 1; ?>",
    b"javascript:alert(1)",
    b"<object data=x>",
    b"<embed src=x>",
    b"PK\x03\x04",
    b"PK\x05\x06" + b"\x00" * 18,
]
# Markers that make a file refused wherever they are in its first HEAD_SIZE bytes.
HEAD_MARKERS = HOSTILE[:-2]

ACCEPTED_EXTENSIONS = ["a.pdf", "photo.jpg", "photo.jpeg", "scan.png", "img.webp", "IMG.HEIC"]
ACCEPTED_CONTENT_TYPES = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/octet-stream",
    "",
]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("x.txt", b"x")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 9), "white").save(out, "PNG")
    return out.getvalue()


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "HEIF")
    return out.getvalue()


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 9), "white").save(out, "WEBP")
    return out.getvalue()


SEEDS = {
    filetypes.PDF: raw_pdf(),
    filetypes.JPEG: jpeg((12, 9)),
    filetypes.PNG: _png(),
    filetypes.WEBP: _webp(),
    filetypes.HEIC: _heic(),
}
ZIP = _zip()
BIG_JPEG = big_jpeg()
BOMB = png_declaring(50_000, 50_000)


# --- Strategies -------------------------------------------------------------------------------

random_bytes = st.binary(max_size=3000)


@st.composite
def signature_then_content(draw):
    """An accepted signature, then random or hostile bytes, possibly padded past the head."""
    signature = draw(st.sampled_from(SIGNATURES))
    body = draw(random_bytes)
    if draw(st.booleans()):
        where = draw(st.integers(0, len(body)))
        body = body[:where] + draw(st.sampled_from([*HOSTILE, ZIP])) + body[where:]
    if draw(st.integers(0, 9)) == 0:  # sometimes long enough to cross the 64 KiB head
        body += bytes([draw(st.integers(0, 255))]) * draw(st.integers(60_000, 140_000))
    return signature + body


@st.composite
def mutated_seed(draw):
    """A real small file of an accepted type, damaged or extended."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "append"]))
        if kind == "flip" and data:
            where = draw(st.integers(0, len(data) - 1))
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[draw(st.integers(0, len(data))) :]
        elif kind == "insert":
            where = draw(st.integers(0, len(data)))
            data[where:where] = draw(st.sampled_from([*HOSTILE, ZIP]) | random_bytes)
        else:
            data += draw(st.sampled_from([*HOSTILE, ZIP, BIG_JPEG[:4000]]) | random_bytes)
    return bytes(data)


@st.composite
def archive_appended(draw):
    """An accepted file (real or just a signature) with a ZIP archive after it: a polyglot."""
    if draw(st.booleans()):
        base = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    else:
        base = draw(st.sampled_from(SIGNATURES)) + draw(random_bytes)
    junk = draw(st.sampled_from([b"", b"\n", b"trailing junk"]))
    return base + ZIP + junk


@st.composite
def refused_type(draw):
    return draw(st.sampled_from(REFUSED_TYPES)) + draw(random_bytes)


files = st.one_of(
    random_bytes,
    signature_then_content(),
    mutated_seed(),
    archive_appended(),
    st.sampled_from(TRUNCATED_HEADERS),
    refused_type(),
    st.sampled_from([BIG_JPEG, BIG_JPEG + ZIP, BIG_JPEG + b"<script>", BOMB, *SEEDS.values()]),
)


# --- Oracles ----------------------------------------------------------------------------------


def opens_as(data: bytes, media_type: str) -> bool:
    """Independent of our code: does the file really open as what it was kept as?"""
    if media_type == filetypes.PDF:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages) > 0
    if media_type == filetypes.HEIC:
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return True


def multipart(parts: list[tuple[str, str, bytes]], boundary: str) -> bytes:
    out = io.BytesIO()
    for name, content_type, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'.encode())
        if content_type:
            out.write(f"Content-Type: {content_type}\r\n".encode())
        out.write(b"\r\n" + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


@pytest.mark.django_db
def test_no_crash_and_nothing_of_a_refused_type(owner, blob_dir):
    @PROFILE
    @given(
        uploads=st.lists(
            st.tuples(
                st.sampled_from(ACCEPTED_EXTENSIONS),
                st.sampled_from(ACCEPTED_CONTENT_TYPES),
                files,
            ),
            min_size=1,
            max_size=2,
        ),
        # Small chunks split signatures and ZIP records across chunks; 256 KiB is the real one.
        chunk_size=st.sampled_from([64, 1024, 4096, 65_536, 256 * 1024]),
        max_bytes=st.sampled_from([2_000, 100_000, 20_000_000]),
        quota=st.sampled_from([5_000, 600_000_000]),
    )
    def fuzz(uploads, chunk_size, max_bytes, quota):
        one_request(owner, blob_dir, uploads, chunk_size, max_bytes, quota)

    fuzz()
    # Every example removed what it kept: a refused file that leaked would still be here.
    assert [path for path in blob_dir.rglob("*") if path.is_file()] == []


def one_request(owner, blob_dir, uploads, chunk_size, max_bytes, quota) -> None:
    boundary = uuid.uuid4().hex
    # Unique names: the handler's outcomes (kept, refused) are matched back by name.
    uploads = [(f"{i}-{name}", kind, data) for i, (name, kind, data) in enumerate(uploads)]
    body = multipart(uploads, boundary)
    max_pixels = 10**6
    handler = EncryptingUploadHandler(
        None, owner, UploadLimits(max_bytes=max_bytes, quota_remaining=quota, max_pixels=max_pixels)
    )
    handler.chunk_size = chunk_size
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(body)),
    }
    try:
        MultiPartParser(meta, io.BytesIO(body), [handler], "utf-8").parse()
        kept = {upload.name: upload for upload in handler.stored}
        refused = {rejection.file_name for rejection in handler.rejections}
        assert all(rejection.message for rejection in handler.rejections)
        assert len(kept) + len(refused) == len(uploads) and not kept.keys() & refused
        for upload in kept.values():
            assert (blob_dir / upload.writer.storage_key).is_file()
        remaining = quota
        for name, _, data in uploads:
            media_type = filetypes.detect_media_type(data[: filetypes.SNIFF_SIZE])
            head = data[: filetypes.HEAD_SIZE]
            must_refuse = (
                media_type is None
                or len(data) > min(max_bytes, remaining)
                or any(marker in head for marker in HEAD_MARKERS)
                or filetypes.hidden_in_head(head)
                or filetypes.has_zip_end_record(data[-filetypes.ZIP_TAIL_SIZE :])
                or (media_type.startswith("image/") and image_too_large(head, max_pixels))
            )
            if must_refuse:
                assert name in refused, name
                continue
            assert name in kept, name
            assert kept[name].size == len(data) and kept[name].media_type == media_type
            remaining -= len(data)
            check_what_the_task_accepts(data, media_type)
    finally:
        handler.discard_unclaimed()


def check_what_the_task_accepts(data: bytes, media_type: str) -> None:
    with tempfile.NamedTemporaryFile(prefix="coffre-fuzz-") as plain:
        plain.write(data)
        plain.flush()
        reason = check_content(plain.name, media_type)
    if not reason:
        assert opens_as(data, media_type), media_type
