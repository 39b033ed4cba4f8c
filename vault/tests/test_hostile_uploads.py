"""Hostile uploads (issue 3; OWASP ASVS 5 §5, File Upload Cheat Sheet).

Active PDFs, polyglots, decompression bombs: each refused with a clear message, at upload when
the stream shows it, always in the processing task; a refused file is never served as what it
claimed to be.
"""

import io
import logging
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from django.urls import reverse
from PIL import Image

from tests.factories import make_document
from vault import filetypes, pdfcheck, tasks
from vault.models import Blob, Document
from vault.specimens import card_image, text_pdf
from vault.tests.test_upload import UPLOAD_URL, _file, _messages, _stored_files

HIDDEN_AT_UPLOAD = "cache un autre type de fichier"
TOO_LARGE_AT_UPLOAD = "image trop grande"


# --- Builders ---------------------------------------------------------------------------------


def raw_pdf(catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF written by hand (exact bytes: escaped names, odd layouts)."""
    return text_pdf(["SPECIMEN"], catalog_extra=catalog_extra, extra_objects=extra_objects)


def edited_pdf(edit, *, object_streams: bool = True, **save_options) -> bytes:
    """The specimen PDF changed by ``edit(pdf)``, saved by qpdf (object streams by default)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf(["SPECIMEN"])))
    edit(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, **save_options)
    return out.getvalue()


def _js(code: str = "app.alert(1)") -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def _open_action_js(pdf):
    pdf.Root.OpenAction = pdf.make_indirect(_js())


def _names_tree_js(pdf):
    tree = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("start"), _js()]))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=tree)


def _page_aa_js(pdf):
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=_js())


def _embedded_file(pdf):
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"hello", filename="notes.txt")


def _file_attachment_annotation(pdf):
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=pikepdf.Array([0, 0, 20, 20]),
        Contents=pikepdf.String("see attached"),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([annotation]))


def _action(kind: str):
    def edit(pdf):
        action = pikepdf.Dictionary(S=pikepdf.Name("/" + kind), F=pikepdf.String("calc.exe"))
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([0, 0, 100, 100]),
            A=action,
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([link])

    return edit


def _xfa(pdf):
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp></xdp:xdp>")
    )


def _harmless(pdf):
    # A link to a web address and "open at page 1, fit": ordinary, accepted.
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 100, 100]),
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/")),
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([link])
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's calling card)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + png_chunk(b"IEND", b"")
    )


def png_with_text(text: bytes) -> bytes:
    png = card_image(["SPECIMEN"], size=(200, 120))
    # Right after IHDR (8 + 25 bytes), where metadata usually sits.
    return png[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + png[33:]


def jpeg(size: tuple[int, int] = (40, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG", **options)
    return out.getvalue()


def big_jpeg() -> bytes:
    """Larger than the 64 KiB head the upload handler keeps (noise does not compress)."""
    image = Image.frombytes("RGB", (300, 300), random.Random(3).randbytes(300 * 300 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert len(data) > filetypes.HEAD_SIZE
    return data


def jpeg_with_comment(text: bytes) -> bytes:
    data = jpeg()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + data[2:]


def jpeg_declaring_after_head(width: int, height: int) -> bytes:
    """A JPEG whose size (SOF) comes after 128 KiB of comments: the upload cannot see it."""
    data = jpeg((16, 16))
    padding = (b"\xff\xfe" + struct.pack(">H", 65535) + b"\x00" * 65533) * 2
    data = data[:2] + padding + data[2:]
    sof = data.index(b"\xff\xc0")
    assert sof > filetypes.HEAD_SIZE
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def zip_archive(name: str = "hello.txt", content: bytes = b"hello") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


# --- Helpers ----------------------------------------------------------------------------------


def upload(client, name: str, data: bytes, capture) -> tuple[list[str], Document | None]:
    with capture(execute=True):
        response = client.post(UPLOAD_URL, {"files": [_file(name, data)]}, follow=True)
    return _messages(response), Document.objects.order_by("-pk").first()


def assert_refused_at_upload(messages: list[str], document, blob_dir: Path, expected: str):
    assert any(expected in message for message in messages), messages
    assert document is None and not Blob.objects.exists()
    assert _stored_files(blob_dir) == []


def assert_refused_by_the_task(client, document: Document, reason: str, french: str):
    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert document.failure_reason == reason
    # Kept (nothing lost), but no longer vouched for as a PDF or a picture.
    assert document.file.media_type == filetypes.OPAQUE
    page = client.get(reverse("vault:document", args=[document.code])).content.decode()
    assert french in page
    assert "?preview=" not in page
    for params in ({}, {"inline": "1"}):
        response = client.get(reverse("vault:download", args=[document.code]), params)
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


# --- PDFs -------------------------------------------------------------------------------------

ACTIVE_FR = "contient des programmes cachés ou des fichiers joints"


class TestActivePdfs:
    @pytest.mark.parametrize(
        "edit",
        [
            _open_action_js,
            _names_tree_js,
            _page_aa_js,
            _embedded_file,
            _file_attachment_annotation,
            _action("Launch"),
            _action("SubmitForm"),
            _action("ImportData"),
            _xfa,
        ],
        ids=[
            "openaction-javascript",
            "names-tree-javascript",
            "page-aa-javascript",
            "embedded-file",
            "file-attachment-annotation",
            "launch",
            "submitform",
            "importdata",
            "xfa",
        ],
    )
    @pytest.mark.parametrize("object_streams", [True, False], ids=["objstm", "plain"])
    def test_active_content_is_refused_and_never_served_as_pdf(
        self, logged_in, edit, object_streams, django_capture_on_commit_callbacks
    ):
        data = edited_pdf(edit, object_streams=object_streams)
        _, document = upload(logged_in, "a.pdf", data, django_capture_on_commit_callbacks)
        assert document is not None  # the stream alone cannot tell: the task decides
        assert_refused_by_the_task(logged_in, document, pdfcheck.ACTIVE_CONTENT, ACTIVE_FR)

    @pytest.mark.parametrize(
        "catalog_extra",
        [
            # Names written with #xx escapes: /J#61vaScript is /JavaScript, /J#53 is /JS.
            b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
            b"/AA << /WC << /S /JavaScript /JS 6 0 R >> >>",
            b"/OpenAction << /S /Launch /Win << /F (cmd.exe) >> >>",
        ],
        ids=["escaped-names", "document-aa-indirect-js", "launch-win"],
    )
    def test_hand_written_tricks_are_found(self, tmp_path, catalog_extra):
        path = tmp_path / "a.pdf"
        path.write_bytes(raw_pdf(catalog_extra, extra_objects=(b"(app.alert\\(1\\))",)))
        assert pdfcheck.check_pdf(str(path)) == pdfcheck.ACTIVE_CONTENT

    def test_a_pdf_locked_with_a_password_is_refused(
        self, logged_in, django_capture_on_commit_callbacks
    ):
        data = edited_pdf(lambda pdf: None, encryption=pikepdf.Encryption(user="u", owner="o"))
        _, document = upload(logged_in, "a.pdf", data, django_capture_on_commit_callbacks)
        assert_refused_by_the_task(
            logged_in, document, pdfcheck.LOCKED, "est protégé par un mot de passe"
        )

    @pytest.mark.parametrize(
        "data",
        [
            b"%PDF-1.4\n" + b"\x8f" * 4000,
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
            raw_pdf()[:150],  # cut before its page
        ],
        ids=["garbage", "no-pages", "truncated"],
    )
    def test_a_broken_pdf_is_refused(self, logged_in, data, django_capture_on_commit_callbacks):
        _, document = upload(logged_in, "a.pdf", data, django_capture_on_commit_callbacks)
        assert_refused_by_the_task(logged_in, document, pdfcheck.BROKEN, "est abîmé")

    @pytest.mark.parametrize(
        "data",
        [
            text_pdf(["SPECIMEN"]),
            raw_pdf(),
            edited_pdf(_harmless),
            # Restricted only (opens without a password, like many papers from administrations).
            edited_pdf(
                lambda pdf: None,
                encryption=pikepdf.Encryption(
                    user="", owner="owner", allow=pikepdf.Permissions(modify_other=False)
                ),
            ),
        ],
        ids=["specimen", "hand-written", "links-and-fit", "restricted"],
    )
    def test_ordinary_pdfs_are_accepted(self, logged_in, data, django_capture_on_commit_callbacks):
        messages, document = upload(logged_in, "a.pdf", data, django_capture_on_commit_callbacks)
        assert "1 papier ajouté." in messages
        assert document.state == Document.State.READY
        assert document.file.media_type == filetypes.PDF

    def test_a_damaged_pdf_that_qpdf_repairs_is_accepted(self, tmp_path):
        # Deliberate: scanners write slightly wrong cross-reference tables all the time; what
        # qpdf can repair (here: cut after its page) is a PDF, and our checks read the repair.
        path = tmp_path / "cut.pdf"
        path.write_bytes(raw_pdf()[:300])
        assert pdfcheck.check_pdf(str(path)) == ""
        path.write_bytes(raw_pdf(b"/OpenAction << /S /JavaScript /JS (x) >>")[:300])
        assert pdfcheck.check_pdf(str(path)) == pdfcheck.ACTIVE_CONTENT

    def test_running_the_task_again_leaves_a_refused_file_refused(self, owner):
        document = make_document(owner, content=edited_pdf(_open_action_js))
        document.refresh_from_db()
        assert document.state == Document.State.FAILED
        tasks.process_document.call(document.pk)
        document.refresh_from_db()
        assert document.state == Document.State.FAILED
        assert document.failure_reason == pdfcheck.ACTIVE_CONTENT
        assert document.file.media_type == filetypes.OPAQUE


# --- Polyglots --------------------------------------------------------------------------------


class TestPolyglotsAtUpload:
    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("page.pdf", b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n"),
            ("page.pdf", b"%PDF-1.4\n%<!DOCTYPE html>\n" + raw_pdf()[9:]),
            ("photo.jpg", jpeg_with_comment(b"<script src=//evil.example></script>")),
            ("photo.jpg", jpeg_with_comment(b"<?php system($_GET['c']); ?>")),
            ("photo.png", png_with_text(b"<?php system($_GET['c']); ?>")),
            ("photo.png", png_with_text(b"<iframe src=javascript:alert(1)>")),
            ("photo.png", b"\x89PNG\r\n\x1a\n" + zip_archive()),
            ("photo.jpg", jpeg() + zip_archive()),
            ("photo.jpg", big_jpeg() + zip_archive()),
            ("photo.jpg", big_jpeg() + zip_archive() + b"trailing junk after the archive"),
            ("photo.png", card_image(["SPECIMEN"]) + zip_archive("évil.php", b"x" * 5000)),
            ("papier.pdf", text_pdf(["SPECIMEN"]) + zip_archive()),
        ],
        ids=[
            "pdf-then-html",
            "pdf-then-doctype",
            "jpeg-comment-script",
            "jpeg-comment-php",
            "png-text-php",
            "png-text-iframe",
            "png-then-zip",
            "small-jpeg-plus-zip",
            "big-jpeg-plus-zip",
            "big-jpeg-plus-zip-plus-junk",
            "png-plus-zip",
            "pdf-plus-zip",
        ],
    )
    def test_a_second_file_hidden_in_an_accepted_one_is_refused(
        self, logged_in, blob_dir, name, data, django_capture_on_commit_callbacks
    ):
        messages, document = upload(logged_in, name, data, django_capture_on_commit_callbacks)
        assert_refused_at_upload(messages, document, blob_dir, HIDDEN_AT_UPLOAD)

    @pytest.mark.parametrize(
        "data",
        [
            jpeg() + zip_archive(),
            png_with_text(b"<?php echo 1; ?>"),
            b"%PDF-1.4\n<html><body>hi</body></html>",
        ],
        ids=["jpeg-plus-zip", "png-php", "pdf-html"],
    )
    def test_the_task_refuses_them_too_when_they_arrive_another_way(self, owner, logged_in, data):
        # services.add_document (imports, demo data) does not run the upload handler.
        document = make_document(owner, content=data)
        assert_refused_by_the_task(
            logged_in, document, tasks.HIDDEN_FILE, "cache un autre type de fichier"
        )


class TestTrailingBytesAfterAPicture:
    """Deliberate: inert trailing bytes are kept (phones write them); hostile ones refused."""

    @pytest.mark.parametrize(
        "trailer",
        [
            b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40,  # a motion-photo video
            jpeg((8, 8)),  # a second picture (multi-picture JPEG)
            b"\x8e\x13random junk left by a cropping tool" * 10,
        ],
        ids=["motion-photo", "second-picture", "junk"],
    )
    def test_inert_trailing_bytes_are_accepted(
        self, logged_in, trailer, django_capture_on_commit_callbacks, caplog
    ):
        with caplog.at_level(logging.INFO, logger="vault.tasks"):
            _, document = upload(
                logged_in, "photo.jpg", big_jpeg() + trailer, django_capture_on_commit_callbacks
            )
        assert document.state == Document.State.READY, document.failure_reason
        assert document.originals.get().blob.media_type == filetypes.JPEG  # kept as sent
        assert f"{len(trailer)} bytes after its end" in caplog.text

    @pytest.mark.parametrize(
        "trailer",
        [
            b"\n<script>fetch('/coffre/')</script>",
            b"\x00\x00<?php system($_GET['c']); ?>",
            b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
            b"#!/bin/sh\nrm -rf /\n",
            b"PK\x03\x04" + b"\x00" * 100,  # an archive without its end record
        ],
        ids=["script", "php", "elf", "shell", "zip-local-header"],
    )
    def test_hostile_trailing_bytes_are_refused_by_the_task(
        self, logged_in, trailer, django_capture_on_commit_callbacks
    ):
        # After a big picture, past the first bytes the upload handler looks at.
        _, document = upload(
            logged_in, "photo.jpg", big_jpeg() + trailer, django_capture_on_commit_callbacks
        )
        assert document is not None
        assert_refused_by_the_task(logged_in, document, tasks.HIDDEN_FILE, "cache un autre type")

    def test_trailing_bytes_after_a_png_follow_the_same_rule(self, tmp_path):
        png = card_image(["SPECIMEN"])
        inert, hostile = tmp_path / "inert.png", tmp_path / "hostile.png"
        inert.write_bytes(png + b"\x01" * 500)
        hostile.write_bytes(png + b"<html><body>hi")
        assert tasks.check_content(str(inert), filetypes.PNG) == ""
        assert tasks.check_content(str(hostile), filetypes.PNG) == tasks.HIDDEN_FILE

    def test_a_truncated_picture_is_refused_as_damaged(
        self, logged_in, django_capture_on_commit_callbacks
    ):
        data = big_jpeg()[:-5000]
        _, document = upload(logged_in, "photo.jpg", data, django_capture_on_commit_callbacks)
        assert_refused_by_the_task(logged_in, document, tasks.DAMAGED_PICTURE, "abîmée")

    def test_a_picture_pillow_reads_as_another_format_is_refused(self, tmp_path):
        # A PNG signature on a GIF body: our sniffer says PNG, Pillow says otherwise.
        path = tmp_path / "odd.png"
        gif = io.BytesIO()
        Image.new("RGB", (10, 10)).save(gif, "GIF")
        path.write_bytes(gif.getvalue())
        assert tasks.check_content(str(path), filetypes.PNG) == tasks.NOT_ACCEPTED


# --- Pixel limits -----------------------------------------------------------------------------


class TestDecompressionBombs:
    def test_a_tiny_png_declaring_50000_by_50000_is_refused_at_upload(
        self, logged_in, blob_dir, django_capture_on_commit_callbacks
    ):
        bomb = png_declaring(50_000, 50_000)
        assert len(bomb) < 200
        messages, document = upload(logged_in, "bomb.png", bomb, django_capture_on_commit_callbacks)
        assert_refused_at_upload(messages, document, blob_dir, TOO_LARGE_AT_UPLOAD)

    def test_it_is_refused_at_upload_whatever_pillows_own_limit(
        self, logged_in, blob_dir, monkeypatch, django_capture_on_commit_callbacks
    ):
        # In a process where vault.tasks (which lifts Pillow's limit) is not imported yet,
        # Pillow raises DecompressionBombError itself: still "too large", not "decided later".
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 89_478_485)
        bomb = png_declaring(50_000, 50_000)
        messages, document = upload(logged_in, "bomb.png", bomb, django_capture_on_commit_callbacks)
        assert_refused_at_upload(messages, document, blob_dir, TOO_LARGE_AT_UPLOAD)

    def test_a_big_bomb_is_refused_as_soon_as_its_header_is_in(
        self, logged_in, blob_dir, monkeypatch, django_capture_on_commit_callbacks
    ):
        from crypto.blobs import EncryptingWriter

        written = []
        original_write = EncryptingWriter.write
        monkeypatch.setattr(
            EncryptingWriter,
            "write",
            lambda self, data: written.append(len(data)) or original_write(self, data),
        )
        small = jpeg((16, 16))
        sof = small.index(b"\xff\xc0")
        bomb = small[: sof + 5] + struct.pack(">HH", 50_000, 50_000) + small[sof + 9 :]
        bomb += b"\x00" * 3_000_000  # what a real bomb's compressed data would weigh
        messages, document = upload(logged_in, "bomb.jpg", bomb, django_capture_on_commit_callbacks)
        assert_refused_at_upload(messages, document, blob_dir, TOO_LARGE_AT_UPLOAD)
        assert sum(written) <= 256 * 1024  # one upload chunk, not the 3 MB

    def test_a_size_the_upload_cannot_see_is_refused_by_the_task(
        self, logged_in, django_capture_on_commit_callbacks
    ):
        bomb = jpeg_declaring_after_head(50_000, 50_000)
        messages, document = upload(logged_in, "bomb.jpg", bomb, django_capture_on_commit_callbacks)
        assert "1 papier ajouté." in messages  # the header was past what the stream keeps
        assert_refused_by_the_task(logged_in, document, tasks.TOO_LARGE, "trop grande")

    def test_the_task_checks_pixels_whatever_the_way_in(self, owner, logged_in, settings):
        settings.COFFRE_MAX_IMAGE_PIXELS = 100 * 100
        document = make_document(owner, content=card_image(["SPECIMEN"], size=(400, 300)))
        assert_refused_by_the_task(logged_in, document, tasks.TOO_LARGE, "trop grande")

    def test_a_picture_within_the_limit_is_decoded_and_ready(
        self, logged_in, django_capture_on_commit_callbacks
    ):
        _, document = upload(
            logged_in,
            "ok.jpg",
            jpeg_declaring_after_head(16, 16),
            django_capture_on_commit_callbacks,
        )
        assert document.state == Document.State.READY


# --- The detectors themselves -----------------------------------------------------------------


class TestDetectors:
    def test_zip_end_record(self):
        archive = zip_archive()
        assert filetypes.has_zip_end_record(archive)
        assert filetypes.has_zip_end_record(b"\xff\xd8" + archive + b"junk")
        empty = io.BytesIO()
        zipfile.ZipFile(empty, "w").close()
        assert filetypes.has_zip_end_record(b"x" * 100 + empty.getvalue())
        # The signature alone, with fields no archive would have, is not an end record.
        assert not filetypes.has_zip_end_record(b"PK\x05\x06" + b"\x01\x02" * 9)
        assert not filetypes.has_zip_end_record(b"PK\x05\x06\x00")
        assert not filetypes.has_zip_end_record(text_pdf(["x"]))

    def test_zip64_end_record(self):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive, archive.open("a", "w", force_zip64=True) as f:
            f.write(b"data")
        assert filetypes.has_zip_end_record(out.getvalue())

    def test_hidden_markup_needs_a_real_tag(self):
        assert filetypes.hidden_in_head(b"%PDF-1.4\n<SCRIPT>")
        assert filetypes.hidden_in_head(b"%PDF-1.4\n<html lang=fr>")
        assert filetypes.hidden_in_head(b"\xff\xd8\xff" + b"\x00" * 2000 + b"<?php\n")
        assert not filetypes.hidden_in_head(b"%PDF-1.4\n<</Type /Catalog>> <48656c6c6f>")
        assert not filetypes.hidden_in_head(b"\xff\xd8\xff<htmlx <scripts <?phpinfo")
        # XMP metadata, as cameras and scanners write it, is not HTML.
        xmp = (
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        )
        assert not filetypes.hidden_in_head(b"\xff\xd8\xff" + xmp)
        # A ZIP signature counts only in the first bytes (later, it is likely compressed data).
        assert filetypes.hidden_in_head(b"\x89PNG\r\n\x1a\n" + b"\x00" * 500 + b"PK\x03\x04")
        assert not filetypes.hidden_in_head(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"PK\x03\x04")

    @pytest.mark.parametrize(
        ("media_type", "data"),
        [
            (filetypes.JPEG, jpeg()),
            (filetypes.JPEG, jpeg((64, 64), progressive=True)),
            (filetypes.JPEG, big_jpeg()),
            (filetypes.JPEG, jpeg_declaring_after_head(16, 16)),
            (filetypes.PNG, card_image(["x"], size=(50, 40))),
            (filetypes.WEBP, card_image(["x"], size=(50, 40), fmt="WEBP")),
        ],
        ids=["jpeg", "progressive", "big-jpeg", "comments", "png", "webp"],
    )
    def test_image_end(self, media_type, data):
        for trailer in (b"", b"\xff\xd9 tail \xff\xd8", b"IEND" * 8):
            file = io.BytesIO(data + trailer)
            assert filetypes.image_end(file, media_type, len(data + trailer)) == len(data)

    def test_image_end_skips_stray_bytes_between_segments(self):
        data = jpeg()
        app0_end = 4 + struct.unpack(">H", data[4:6])[0]
        odd = data[:app0_end] + b"\x00\x07stray" + data[app0_end:]
        with Image.open(io.BytesIO(odd)) as image:
            image.load()  # libjpeg reads it (with a warning)
        end = filetypes.image_end(io.BytesIO(odd + b"tail"), filetypes.JPEG, len(odd) + 4)
        assert end == len(odd)

    def test_image_end_of_damaged_pictures_is_unknown(self):
        assert filetypes.image_end(io.BytesIO(jpeg()[:100]), filetypes.JPEG, 100) is None
        png = card_image(["x"], size=(50, 40))
        assert filetypes.image_end(io.BytesIO(png[:-20]), filetypes.PNG, len(png) - 20) is None
        assert (
            filetypes.image_end(io.BytesIO(b"RIFF\xff\xff\xff\x7fWEBP"), filetypes.WEBP, 12) is None
        )
