"""The capture pipeline on generated phone photos: real decoding, OpenCV, img2pdf, pikepdf, pdfium
and Tesseract (OCR tests skip when it is not installed). No mocks.

Photos are generated once per module (``tests.papers``); 12 MP only where size or speed is the
point, smaller elsewhere.
"""

import io
from pathlib import Path

import cv2
import Levenshtein
import numpy as np
import pikepdf
import pytest
from PIL import Image

from tests import papers
from vault.capture import imaging, ocr, pdf, preview
from vault.specimens import text_pdf

needs_tesseract = pytest.mark.skipif(
    not ocr.available(), reason="tesseract with the fra and eng packs is not installed"
)

A4_PX = (1654, 2339)
ID1_PX = (1011, 638)


def similarity(processed: Image.Image, original: Image.Image) -> float:
    """Correlation of two pages at a small size: near 1 when upright and aligned, negative
    when upside down."""
    a = np.asarray(processed.convert("L").resize((300, 300 * processed.height // processed.width)))
    b = np.asarray(original.convert("L").resize((a.shape[1], a.shape[0])))
    a = a.astype(np.float32) - a.mean()
    b = b.astype(np.float32) - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def cer(text: str, truth: str) -> float:
    def normalise(s: str) -> str:
        return " ".join(s.split())

    return Levenshtein.distance(normalise(text), normalise(truth)) / len(normalise(truth))


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.fixture(scope="module")
def letter() -> tuple[Image.Image, str]:
    return papers.text_page(11)


@pytest.fixture(scope="module")
def letter_photo(letter, tmp_path_factory) -> str:
    """A 12 MP JPEG of the letter on a table, at an angle, under uneven light."""
    path = tmp_path_factory.mktemp("photos") / "letter.jpg"
    path.write_bytes(papers.phone_photo(letter[0], 11))
    return str(path)


@pytest.fixture(scope="module")
def letter_page(letter_photo) -> imaging.ProcessedPage:
    return imaging.clean_page(imaging.load_image(letter_photo), use_osd=False)


@pytest.fixture(scope="module")
def card() -> Image.Image:
    return papers.identity_card(5)


@pytest.fixture(scope="module")
def card_page(card, tmp_path_factory) -> imaging.ProcessedPage:
    path = tmp_path_factory.mktemp("photos") / "card.jpg"
    path.write_bytes(papers.phone_photo(card, 5, megapixels=6))
    return imaging.clean_page(imaging.load_image(str(path)), use_osd=False)


class TestLoadImage:
    @pytest.mark.parametrize(
        "encode", [papers.as_jpeg, papers.as_png, papers.as_webp, papers.as_heic]
    )
    def test_it_decodes_each_input_type(self, encode, tmp_path):
        original = papers.identity_card(1, dpi=150)
        image = imaging.load_image(write(tmp_path, "in", encode(original)))
        assert image.mode == "RGB"
        assert image.size == original.size
        assert similarity(image, original) > 0.95

    def test_it_flattens_transparency_on_white(self, tmp_path):
        rgba = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
        rgba.paste((200, 0, 0, 255), (0, 0, 30, 40))
        image = imaging.load_image(write(tmp_path, "in.png", papers.as_png(rgba)))
        assert image.mode == "RGB"
        assert image.getpixel((45, 20)) == (255, 255, 255)
        assert image.getpixel((10, 20)) == (200, 0, 0)

    @pytest.mark.parametrize("orientation", [3, 6, 8])
    def test_it_applies_the_exif_orientation(self, orientation, letter, tmp_path):
        page, _ = letter
        small = page.resize((page.width // 3, page.height // 3))
        data = papers.phone_photo(small, 2, megapixels=2, exif_orientation=orientation)
        stored = Image.open(io.BytesIO(data))
        image = imaging.load_image(write(tmp_path, "in.jpg", data))
        assert image.height > image.width  # the page is portrait, as the phone showed it
        if orientation in (6, 8):
            assert stored.width > stored.height  # while the pixels lie on their side
        cleaned = imaging.clean_page(image, use_osd=False)
        assert cleaned.outline_found
        assert similarity(cleaned.image, page) > 0.8

    def test_it_decodes_huge_jpegs_at_a_reduced_scale(self, tmp_path):
        huge = Image.new("RGB", (8000, 6000), (250, 250, 250))
        image = imaging.load_image(write(tmp_path, "in.jpg", papers.as_jpeg(huge)))
        assert image.size == (4000, 3000)  # 48 MP → 12 MP

    def test_it_reduces_huge_images_of_other_formats(self, tmp_path):
        huge = Image.new("RGB", (9000, 6000), (250, 250, 250))
        image = imaging.load_image(write(tmp_path, "in.png", papers.as_png(huge)))
        assert image.size == (4500, 3000)


class TestCleanPage:
    def test_it_flattens_a_photographed_letter_to_a4_at_200_dpi(self, letter, letter_page):
        assert letter_page.outline_found
        assert letter_page.image.size == A4_PX
        assert letter_page.dpi == 200
        assert letter_page.rotated_by == 0
        assert similarity(letter_page.image, letter[0]) > 0.9

    def test_it_makes_a_text_page_grey(self, letter_page):
        assert not letter_page.colour
        assert letter_page.image.mode == "L"
        # The paper is white after the light is evened out, shadow or not.
        assert np.percentile(np.asarray(letter_page.image), 50) == 255

    def test_it_keeps_an_identity_card_in_colour_at_300_dpi(self, card, card_page):
        assert card_page.outline_found
        assert card_page.colour
        assert card_page.image.size == ID1_PX
        assert card_page.dpi == 300
        assert similarity(card_page.image, card) > 0.9
        # The photo area (left of the card) is still clearly coloured.
        photo = np.asarray(card_page.image.crop((40, 110, 270, 400)))
        lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB).astype(np.int16)
        chroma = np.abs(lab[..., 1] - 128) + np.abs(lab[..., 2] - 128)
        assert np.mean(chroma) > 20

    def test_it_keeps_the_whole_frame_without_an_outline_and_straightens_it(self, letter):
        page, _ = letter
        # 5:3, no paper format: kept as it is, at 200 dpi.
        crop = page.crop((200, 600, 2200, 1800)).rotate(3, fillcolor=(255, 255, 255))
        cleaned = imaging.clean_page(crop, use_osd=False)
        assert not cleaned.outline_found
        assert cleaned.image.size == crop.size
        residual = imaging._skew_angle(np.asarray(cleaned.image.convert("L")))
        assert abs(residual) < 0.3
        assert similarity(cleaned.image, page.crop((200, 600, 2200, 1800))) > 0.6

    def test_it_does_not_crop_a_scan_to_a_picture_inside_it(self, card):
        cleaned = imaging.clean_page(card, use_osd=False)
        assert not cleaned.outline_found
        assert cleaned.image.size == ID1_PX

    @needs_tesseract
    @pytest.mark.parametrize(("rotate", "expected"), [(180, 180), (90, 270)])
    def test_it_turns_the_page_the_right_way_up(self, rotate, expected, letter, tmp_path):
        page, _ = letter
        data = papers.phone_photo(page, 3, rotate=rotate, megapixels=8)
        cleaned = imaging.clean_page(imaging.load_image(write(tmp_path, "in.jpg", data)))
        assert cleaned.rotated_by == expected
        assert cleaned.image.size == A4_PX
        assert similarity(cleaned.image, page) > 0.9


class TestEncodePage:
    def test_it_makes_a_12_megapixel_text_photo_small(self, letter_photo, letter_page):
        data, mime = imaging.encode_page(letter_page)
        assert mime == "image/jpeg"
        assert len(data) <= 150_000
        assert Path(letter_photo).stat().st_size > 2_000_000
        decoded = Image.open(io.BytesIO(data))
        assert (decoded.format, decoded.mode, decoded.size) == ("JPEG", "L", A4_PX)
        assert decoded.info["dpi"] == (200, 200)

    def test_it_keeps_the_card_in_colour(self, card_page):
        data, _ = imaging.encode_page(card_page)
        decoded = Image.open(io.BytesIO(data))
        assert decoded.mode == "RGB"
        assert len(data) < 150_000


class TestPdf:
    def test_it_gives_each_page_its_physical_size(self, letter_page, card_page, tmp_path):
        pages = [(*imaging.encode_page(p), p.dpi) for p in (letter_page, card_page, letter_page)]
        path = write(tmp_path, "out.pdf", pdf.images_to_pdf(pages))
        assert pdf.page_count(path) == 3
        with pikepdf.open(path) as document:
            sizes = [
                tuple(round(float(v) / 72 * 25.4) for v in page.mediabox[2:])
                for page in document.pages
            ]
        assert sizes == [(210, 297), (86, 54), (210, 297)]
        assert pdf.pdf_text(path).strip("\f") == ""  # a photo has no text layer until OCR

    def test_it_optimises_without_losing_anything(self, tmp_path):
        lines = [f"Ligne {n} du dossier SPECIMEN de MARTIN Camille" for n in range(40)]
        src = write(tmp_path, "in.pdf", text_pdf(lines))
        dst = str(tmp_path / "out.pdf")
        assert pdf.optimise_pdf(src, dst)
        assert Path(dst).stat().st_size < Path(src).stat().st_size
        assert pdf.pdf_text(dst) == pdf.pdf_text(src)
        assert "Ligne 39 du dossier SPECIMEN" in pdf.pdf_text(dst)
        assert pdf.page_count(dst) == pdf.page_count(src) == 1

    def test_it_keeps_jpeg_images_byte_for_byte(self, letter_page, tmp_path):
        data, mime = imaging.encode_page(letter_page)
        src = write(tmp_path, "in.pdf", pdf.images_to_pdf([(data, mime, 200)]))
        dst = str(tmp_path / "out.pdf")
        pdf.optimise_pdf(src, dst)
        kept = dst if Path(dst).exists() else src
        with pikepdf.open(kept) as document:
            (image,) = document.pages[0].get_images().values()
            assert image.read_raw_bytes() == data

    def test_it_reports_failure_and_leaves_no_file_for_a_broken_pdf(self, tmp_path):
        src = write(tmp_path, "in.pdf", b"%PDF-1.4\nnot a pdf at all")
        dst = tmp_path / "out.pdf"
        assert not pdf.optimise_pdf(src, str(dst))
        assert not dst.exists()

    def test_it_merges_pdfs_in_order(self, tmp_path):
        first = write(tmp_path, "a.pdf", text_pdf(["Premier SPECIMEN"]))
        second = write(tmp_path, "b.pdf", text_pdf(["Second SPECIMEN"]))
        dst = str(tmp_path / "merged.pdf")
        assert pdf.merge_pdfs([first, second, first], dst) == 3
        assert pdf.page_count(dst) == 3
        pages = pdf.pdf_text(dst).split("\f")
        assert [p.strip() for p in pages] == [
            "Premier SPECIMEN",
            "Second SPECIMEN",
            "Premier SPECIMEN",
        ]


class TestPreview:
    @pytest.fixture
    def two_pages(self, letter_page, card_page, tmp_path) -> str:
        pages = [(*imaging.encode_page(p), p.dpi) for p in (letter_page, card_page)]
        return write(tmp_path, "doc.pdf", pdf.images_to_pdf(pages))

    def test_it_makes_a_thumbnail_of_the_first_page(self, two_pages):
        image = Image.open(io.BytesIO(preview.thumbnail(two_pages)))
        assert image.format == "JPEG"
        assert image.width == 240
        assert abs(image.height - 240 * A4_PX[1] / A4_PX[0]) <= 1

    def test_it_renders_any_page_at_the_width_asked(self, two_pages):
        image = Image.open(io.BytesIO(preview.render_page(two_pages, 1, 500)))
        assert image.width == 500
        assert abs(image.height - 500 * ID1_PX[1] / ID1_PX[0]) <= 1

    @pytest.mark.parametrize(
        "content", [b"", b"%PDF-1.7\n%%EOF", b"\x89PNG\r\n\x1a\n" + bytes(100), b"%PDF-1.4\n" * 50]
    )
    def test_it_raises_a_preview_error_for_a_broken_pdf(self, content, tmp_path):
        with pytest.raises(preview.PreviewError):
            preview.thumbnail(write(tmp_path, "bad.pdf", content))

    def test_it_raises_a_preview_error_for_a_missing_page(self, two_pages):
        with pytest.raises(preview.PreviewError):
            preview.render_page(two_pages, 2, 240)

    def test_it_bounds_the_bitmap_of_an_absurdly_tall_page(self, tmp_path):
        with pikepdf.new() as document:
            page = document.add_blank_page(page_size=(72, 14_000))
            page.Contents = document.make_stream(b"0 0 0 rg 0 13900 72 100 re f")  # a top band
            document.save(tmp_path / "tall.pdf")
        image = Image.open(io.BytesIO(preview.render_page(str(tmp_path / "tall.pdf"), 0, 2000)))
        assert image.width == 2000
        assert image.width * image.height <= preview.MAX_PIXELS
        assert image.getpixel((1000, 10)) == (0, 0, 0)  # the top of the page is what is shown


class TestOcr:
    @needs_tesseract
    def test_it_reads_the_processed_photo_of_a_letter(self, letter, letter_page):
        data, _ = imaging.encode_page(letter_page)
        text = ocr.ocr_image(Image.open(io.BytesIO(data)))
        assert cer(text, letter[1]) <= 0.03

    @needs_tesseract
    def test_osd_answers_0_when_there_is_nothing_to_read(self):
        assert ocr.osd_rotation(Image.new("L", (400, 300), 255)) == 0
        assert ocr.osd_rotation(Image.new("RGB", (1, 1))) == 0

    def test_everything_degrades_quietly_without_tesseract(self, settings, letter_page):
        settings.COFFRE_TESSERACT_CMD = "/nonexistent/tesseract"
        ocr._tesseract.cache_clear()
        ocr.languages.cache_clear()
        try:
            assert not ocr.available()
            assert ocr.languages() == []
            assert ocr.osd_rotation(letter_page.image) == 0
            with pytest.raises(ocr.OcrError):
                ocr.ocr_image(letter_page.image)
            cleaned = imaging.clean_page(letter_page.image)
            assert cleaned.rotated_by == 0
        finally:
            ocr._tesseract.cache_clear()
            ocr.languages.cache_clear()
